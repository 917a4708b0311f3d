/**
 * THE table of resource kinds. Every stage (evaluate, decide, load,
 * inventory, sweep, the Config rule, findings, the CLI, infra IAM and the
 * Config rule scope, the event catalog) loops over it; remediation reads the
 * kinds' remedies from shared/kinds/remedies.ts, kept apart so that functions
 * that never write neither bundle nor are granted a write call. Adding a kind
 * is its folder under shared/kinds/, a row here (and in remedies.ts when it
 * can be fixed), and its name and subject type in shared/model.ts.
 * The order is the order of sweeps and reports.
 */
import type { Control } from './controls.js';
import { type CheckId, type ControlId, KIND_NAMES, type ResourceKind, type ResourceRef, type Scope, type Tags } from '../model.js';
import { accountDefaultsDescription } from './account-defaults/description.js';
import { accountDefaultsEdge } from './account-defaults/edge.js';
import { autoScalingGroupDescription } from './auto-scaling-group/description.js';
import { autoScalingGroupEdge } from './auto-scaling-group/edge.js';
import type { KindEdge } from './edge-types.js';
import { instanceDescription } from './instance/description.js';
import { instanceEdge } from './instance/edge.js';
import { launchConfigurationDescription } from './launch-configuration/description.js';
import { launchConfigurationEdge } from './launch-configuration/edge.js';
import { launchTemplateDescription } from './launch-template/description.js';
import { launchTemplateEdge } from './launch-template/edge.js';
import type { KindDescription } from './types.js';
import type { Subject } from './subject.js';
import type { Validation } from '../validate.js';

export interface Kind<K extends ResourceKind = ResourceKind> {
  description: KindDescription<K>;
  edge: KindEdge<K>;
}

const KINDS: { readonly [K in ResourceKind]: Kind<K> } = {
  instance: { description: instanceDescription, edge: instanceEdge },
  'launch-template': { description: launchTemplateDescription, edge: launchTemplateEdge },
  'launch-configuration': { description: launchConfigurationDescription, edge: launchConfigurationEdge },
  'account-defaults': { description: accountDefaultsDescription, edge: accountDefaultsEdge },
  'auto-scaling-group': { description: autoScalingGroupDescription, edge: autoScalingGroupEdge },
};

/** Every kind, in sweep and report order (named in shared/model.ts, which bundles without the edges). */
export { isKind, KIND_NAMES } from '../model.js';

/** The pure description of a kind. */
export function describeKind<K extends ResourceKind>(kind: K): KindDescription<K> {
  return (KINDS[kind] as Kind<K>).description;
}

/** The AWS edge of a kind. */
export function edgeOf<K extends ResourceKind>(kind: K): KindEdge<K> {
  return (KINDS[kind] as Kind<K>).edge;
}

/** Every kind's row, in order. */
export function allKinds(): Kind[] {
  return KIND_NAMES.map((k) => KINDS[k] as unknown as Kind);
}

/** Whether IMDSv1 use (CloudWatch MetadataNoToken, by resource id) is measured on `kind`: usage look-ups and gates apply. */
export function measuresUsage(kind: ResourceKind): boolean {
  return describeKind(kind).usageMeasured === true;
}

/** The tags holding a resource's watch state, rollback mark and wave group; `undefined` for kinds that are not watched. */
export function watchedTags(subject: Subject): Tags | undefined {
  if (subject.kind === 'missing') return undefined;
  const description = describeKind(subject.kind) as KindDescription;
  return description.watched ? description.tags?.(subject as never) : undefined;
}

/** The image a resource launched from and when (`undefined` when the kind does not say). */
export function launchedFrom(subject: Subject): { imageId?: string; launchTime?: Date } | undefined {
  if (subject.kind === 'missing') return undefined;
  return (describeKind(subject.kind) as KindDescription).launchedFrom?.(subject as never);
}

/** The ref of the resource that holds a scope's IMDSv2 enforcement (the account default), for the watch after graduation. */
export function enforcementRef(scope: Scope): ResourceRef | undefined {
  for (const { description } of allKinds()) {
    const ref = description.enforcementRef?.(scope);
    if (ref) return ref;
  }
  return undefined;
}

/** Whether a flip of `kind` is watched and can be rolled back. */
export function isWatched(kind: ResourceKind): boolean {
  return describeKind(kind).watched === true;
}

/** Validates the id of a ref of `kind` (for `account-defaults` the id is the account). */
export function validateRefId(kind: ResourceKind, value: unknown): Validation {
  return describeKind(kind).validateId(value);
}

/** Every control of every kind, by id (a control shared by two checks of a kind appears once). */
export const CONTROLS: Readonly<Record<ControlId, Control>> = Object.fromEntries(
  KIND_NAMES.flatMap((k) => Object.values(describeKind(k).controls)).map((c) => [c.id, c]),
);

/** The AWS Config resource types Config records for the kinds: the custom rule's scope, which the recorder must cover. */
export function recordedConfigTypes(): string[] {
  return allKinds().flatMap(({ description }) => (description.config.recorded ? [description.config.type] : []));
}

/** Security Hub's own controls the kinds' checks stand for (EC2.8, EC2.170, AutoScaling.3). */
export function securityHubControlIds(): string[] {
  return Object.values(CONTROLS).flatMap((c) => (c.securityHubControl ? [c.securityHubControl] : []));
}

/** The control a check on a kind maps to. */
export function controlFor(kind: ResourceKind, check: CheckId): ControlId {
  return describeKind(kind).controls[check].id;
}
