/**
 * Acknowledgements of the checks imds-guard's users run on its templates
 * (cdk-nag's AwsSolutions pack: test/infra/nag.test.ts runs it over both
 * templates in `npm test`). Each is written beside the resource it concerns,
 * in the template's own `Metadata` (`cdk_nag.rules_to_suppress`, the form
 * cdk-nag writes and reads), with the reason a reviewer needs. The IAM ones
 * come from the statements themselves: every wildcard resource carries its
 * `reason` (the build refuses one without).
 */
import type { Statement } from './model.js';

export interface Acknowledgement {
  /** cdk-nag rule id, with the finding for rules that report several (`AwsSolutions-IAM5[Resource::*]`). */
  id: string;
  reason: string;
}

/** A resource of a statement as cdk-nag names it in a finding: `${AWS::Region}` → `<AWS::Region>`. */
export function nagResource(resource: string): string {
  return resource.replace(/\$\{([^}]+)\}/g, '<$1>');
}

/**
 * One acknowledgement per wildcard resource of the statements of one policy
 * document (AwsSolutions-IAM5), its reason gathered from the statements that
 * name it. Throws on a wildcard that says no reason.
 */
export function wildcardAcknowledgements(where: string, statements: readonly Statement[]): Acknowledgement[] {
  const reasons = new Map<string, string[]>();
  for (const s of statements) {
    for (const r of s.resources) {
      if (!r.includes('*')) continue;
      if (!s.reason) throw new Error(`${where}: statement ${s.sid} grants ${s.actions.join(', ')} on ${r} without a reason (PermissionStatement.reason)`);
      const id = `AwsSolutions-IAM5[Resource::${nagResource(r)}]`;
      reasons.set(id, [...new Set([...(reasons.get(id) ?? []), s.reason])]);
    }
  }
  return [...reasons].map(([id, list]) => ({ id, reason: list.join(' ') }));
}

/** The `Metadata` of a template resource that carries acknowledgements (none: no metadata). */
export function nagMetadata(acknowledgements: readonly Acknowledgement[]): { cdk_nag: { rules_to_suppress: { id: string; reason: string }[] } } | undefined {
  if (acknowledgements.length === 0) return undefined;
  const unique = new Map<string, string>();
  for (const a of acknowledgements) unique.set(a.id, unique.has(a.id) ? `${unique.get(a.id)} ${a.reason}` : a.reason);
  return { cdk_nag: { rules_to_suppress: [...unique].map(([id, reason]) => ({ id, reason })) } };
}

/** cdk-nag's AwsSolutions-L1 ("not the latest runtime of its family"), acknowledged with the runtime decision. */
export function runtimeAcknowledgement(reason: string): Acknowledgement {
  return { id: 'AwsSolutions-L1', reason };
}
