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
import type { InstanceMetadataDefaultsResponse } from '@aws-sdk/client-ec2';
import { getInstanceMetadataDefaults } from '../aws/ec2.js';
import type { EdgeClients, EdgeContext } from '../kinds/edge-types.js';
import { describeKind, edgeOf, KIND_NAMES } from '../kinds/registry.js';
import { refKey, type ResourceKind, type ResourceRef } from '../model.js';
import type { Subject } from '../kinds/subject.js';
import type { Loader } from '../engine/ports.js';
import type { EnforcementState, EnforcementStore } from '../watch/account/record.js';

export type LoaderClients = EdgeClients;

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
  /** Where the account-region's enforcement record lives (the account default's subject carries it). */
  enforcement?: EnforcementStore;
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
  const retryKinds = new Set<ResourceKind>(options.retryKinds ?? KIND_NAMES.filter((k) => describeKind(k).describedLate));
  const sleep = options.sleep ?? realSleep;

  /** Edge contexts for one load: one GetInstanceMetadataDefaults at most, and only when something needs it. */
  function contexts(): (kind: ResourceKind) => EdgeContext {
    let defaults: Promise<InstanceMetadataDefaultsResponse | undefined> | undefined;
    let record: Promise<EnforcementState> | undefined;
    const store = options.enforcement;
    return (kind) => ({
      clients,
      scope: { account: options.account ?? '', region: clients.region },
      accountLevel: () => (defaults ??= getInstanceMetadataDefaults(clients.ec2)),
      ...(store ? { enforcement: () => (record ??= store.read()) } : {}),
      retryNotFound: (ids, describe, retryable) => withNotFoundRetries(ids, describe, retryKinds.has(kind) ? delays : [], sleep, retryable),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    });
  }

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

    const contextFor = contexts();

    // Every kind's refs are described at once, each kind in batches by its edge.
    const subjects = new Map<string, Subject>();
    await Promise.all(
      KIND_NAMES.map(async (kind) => {
        const wanted = [...distinct.values()].filter((r) => r.kind === kind);
        if (wanted.length === 0) return;
        const found = await edgeOf(kind).load(wanted, contextFor(kind));
        for (const ref of wanted) subjects.set(refKey(ref), found.get(refKey(ref)) ?? { kind: 'missing', ref });
      }),
    );

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

  async function related(subjects: readonly Subject[]): Promise<ResourceRef[]> {
    const given = new Set(subjects.map((s) => refKey(s.ref)));
    const contextFor = contexts();
    const found = await Promise.all(KIND_NAMES.map((kind) => edgeOf(kind).related?.(subjects, contextFor(kind)) ?? []));
    return found.flat().filter((ref) => !given.has(refKey(ref)));
  }

  return { load, related };
}
