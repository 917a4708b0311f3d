/**
 * The Loader: re-describes resource refs into subjects. Refs are grouped by
 * kind and deduplicated, then described in batches (shared/aws/*); a
 * resource that is really gone becomes a MissingSubject.
 *
 * Eventual consistency: right after RunInstances/CreateLaunchTemplate the
 * describe calls may not know the new id yet, so ids not found are described
 * again after short delays (default 1 s, then 2 s) before being declared
 * missing. Throttling is left to the SDK's retry strategy (clients.ts).
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client, InstanceMetadataDefaultsResponse, LaunchTemplate } from '@aws-sdk/client-ec2';
import { describeLaunchConfigurationsByNames } from './aws/autoscaling.js';
import {
  describeInstancesByIds,
  describeLaunchTemplatesByIds,
  describeLaunchTemplatesByNames,
  getInstanceMetadataDefaults,
  withDefaultAndLatest,
} from './aws/ec2.js';
import {
  accountDefaultsMetadata,
  accountDefaultsSubject,
  instanceSubject,
  launchConfigurationSubject,
  launchTemplateSubject,
} from './aws/translate.js';
import { refKey, type ResourceKind, type ResourceRef, type Subject } from './model.js';
import type { Loader } from './ports.js';
import { INSTANCE_ID, LAUNCH_TEMPLATE_ID } from './refs/validate.js';

export interface LoaderClients {
  region: string;
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

export interface LoaderOptions {
  /** The account the clients act in; when set, refs of other accounts are refused. */
  account?: string;
  /**
   * Waits before describing not-yet-found ids again; one attempt per entry
   * after the first. Default `[1000, 2000]` (3 attempts). `[]` disables.
   */
  notFoundRetryDelaysMs?: readonly number[];
  /** Kinds whose not-found ids are retried. Default: instance and launch-template. */
  retryKinds?: readonly ResourceKind[];
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Describe calls in flight at once per batch. Default 4. */
  concurrency?: number;
}

const DEFAULT_RETRY_DELAYS_MS = [1000, 2000] as const;

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Describes `ids`, then describes those still missing again after each delay.
 * `retryable` says which missing ids are worth another attempt (a malformed
 * id never will be).
 */
async function withNotFoundRetries<T>(
  ids: readonly string[],
  describe: (ids: string[]) => Promise<{ found: T[]; missing: string[] }>,
  delays: readonly number[],
  sleep: (ms: number) => Promise<void>,
  retryable: (id: string) => boolean = () => true,
): Promise<{ found: T[]; missing: string[] }> {
  const found: T[] = [];
  let pending = [...new Set(ids)];
  const gaveUp: string[] = [];
  for (let attempt = 0; pending.length > 0; attempt++) {
    const result = await describe(pending);
    found.push(...result.found);
    const again = result.missing.filter(retryable);
    gaveUp.push(...result.missing.filter((id) => !retryable(id)));
    const delay = delays[attempt];
    if (again.length === 0 || delay === undefined) {
      gaveUp.push(...again);
      break;
    }
    await sleep(delay);
    pending = again;
  }
  return { found, missing: gaveUp };
}

export function createLoader(clients: LoaderClients, options: LoaderOptions = {}): Loader {
  const delays = options.notFoundRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const retryKinds = new Set<ResourceKind>(options.retryKinds ?? ['instance', 'launch-template']);
  const sleep = options.sleep ?? realSleep;
  const batch = options.concurrency === undefined ? {} : { concurrency: options.concurrency };
  const delaysFor = (kind: ResourceKind): readonly number[] => (retryKinds.has(kind) ? delays : []);

  async function load(refs: readonly ResourceRef[]): Promise<Subject[]> {
    const distinct = new Map<string, ResourceRef>();
    for (const ref of refs) {
      if (ref.region !== clients.region) {
        throw new Error(`loader for region ${clients.region} was given ${ref.kind} ${ref.id} in region ${ref.region}`);
      }
      if (options.account !== undefined && ref.account !== options.account) {
        throw new Error(`loader for account ${options.account} was given ${ref.kind} ${ref.id} in account ${ref.account}`);
      }
      const key = refKey(ref);
      if (!distinct.has(key)) distinct.set(key, ref);
    }
    const byKind = (kind: ResourceKind): ResourceRef[] => [...distinct.values()].filter((r) => r.kind === kind);

    // One GetInstanceMetadataDefaults per load, and only when something needs it.
    let defaults: Promise<InstanceMetadataDefaultsResponse | undefined> | undefined;
    const accountLevel = (): Promise<InstanceMetadataDefaultsResponse | undefined> =>
      (defaults ??= getInstanceMetadataDefaults(clients.ec2));

    const subjects = new Map<string, Subject>();

    const loadInstances = async (): Promise<void> => {
      const wanted = byKind('instance');
      if (wanted.length === 0) return;
      const { found } = await withNotFoundRetries(
        wanted.map((r) => r.id),
        async (ids) => {
          const out = await describeInstancesByIds(clients.ec2, ids, batch);
          return { found: out.instances, missing: out.missing };
        },
        delaysFor('instance'),
        sleep,
        (id) => INSTANCE_ID.test(id),
      );
      const byId = new Map(found.map((i) => [i.InstanceId, i]));
      for (const ref of wanted) {
        const instance = byId.get(ref.id);
        subjects.set(
          refKey(ref),
          instance ? { ...instanceSubject(instance, ref), ref } : { kind: 'missing', ref },
        );
      }
    };

    const loadLaunchTemplates = async (): Promise<void> => {
      const wanted = byKind('launch-template');
      if (wanted.length === 0) return;
      const ids = wanted.filter((r) => LAUNCH_TEMPLATE_ID.test(r.id)).map((r) => r.id);
      const names = wanted.filter((r) => !LAUNCH_TEMPLATE_ID.test(r.id)).map((r) => r.id);
      const describe =
        (by: typeof describeLaunchTemplatesByIds) =>
        async (keys: string[]): Promise<{ found: LaunchTemplate[]; missing: string[] }> => {
          const out = await by(clients.ec2, keys, batch);
          return { found: out.templates, missing: out.missing };
        };
      const [byIds, byNames] = await Promise.all([
        ids.length ? withNotFoundRetries(ids, describe(describeLaunchTemplatesByIds), delaysFor('launch-template'), sleep) : undefined,
        names.length ? withNotFoundRetries(names, describe(describeLaunchTemplatesByNames), delaysFor('launch-template'), sleep) : undefined,
      ]);
      const templates = new Map<string, LaunchTemplate>();
      for (const t of [...(byIds?.found ?? []), ...(byNames?.found ?? [])]) {
        if (t.LaunchTemplateId) templates.set(t.LaunchTemplateId, t);
      }
      const [detailed, level] = await Promise.all([
        withDefaultAndLatest(clients.ec2, [...templates.values()], batch),
        templates.size > 0 ? accountLevel() : Promise.resolve(undefined),
      ]);
      const accountDefaults = accountDefaultsMetadata(level);
      const byId = new Map(detailed.map((d) => [d.template.LaunchTemplateId, d]));
      const idOfName = new Map([...templates.values()].map((t) => [t.LaunchTemplateName, t.LaunchTemplateId]));
      for (const ref of wanted) {
        const id = LAUNCH_TEMPLATE_ID.test(ref.id) ? ref.id : idOfName.get(ref.id);
        const d = id === undefined ? undefined : byId.get(id);
        if (d === undefined) {
          subjects.set(refKey(ref), { kind: 'missing', ref });
          continue;
        }
        // A ref by name gets the template's id, so results key the same whichever way it was found.
        const resolved: ResourceRef = { ...ref, id: id as string };
        const subject = launchTemplateSubject(d.template, d.defaultVersion, d.latestVersion, ref, accountDefaults);
        subjects.set(refKey(ref), { ...subject, ref: resolved });
      }
    };

    const loadLaunchConfigurations = async (): Promise<void> => {
      const wanted = byKind('launch-configuration');
      if (wanted.length === 0) return;
      const { launchConfigurations } = await describeLaunchConfigurationsByNames(
        clients.autoScaling,
        wanted.map((r) => r.id),
        batch,
      );
      const byName = new Map(launchConfigurations.map((lc) => [lc.LaunchConfigurationName, lc]));
      for (const ref of wanted) {
        const lc = byName.get(ref.id);
        subjects.set(refKey(ref), lc ? { ...launchConfigurationSubject(lc, ref), ref } : { kind: 'missing', ref });
      }
    };

    const loadAccountDefaults = async (): Promise<void> => {
      const wanted = byKind('account-defaults');
      if (wanted.length === 0) return;
      const level = await accountLevel();
      for (const ref of wanted) subjects.set(refKey(ref), { ...accountDefaultsSubject(level, ref), ref });
    };

    await Promise.all([loadInstances(), loadLaunchTemplates(), loadLaunchConfigurations(), loadAccountDefaults()]);

    // One subject per distinct resource, in the order refs came in; a name ref
    // and an id ref of the same launch template collapse into one.
    const out: Subject[] = [];
    const emitted = new Set<string>();
    for (const [key, ref] of distinct) {
      const subject = subjects.get(key);
      if (subject === undefined) throw new Error(`no subject for ${ref.kind} ${ref.id} (unknown kind?)`);
      const resolvedKey = refKey(subject.ref);
      if (subject.kind !== 'missing' && emitted.has(resolvedKey)) continue;
      emitted.add(resolvedKey);
      out.push(subject);
    }
    return out;
  }

  return { load };
}
