/**
 * What scan and fix share: the injectable AWS edge (one `clientsFor(region)`
 * factory), the account identity, the shared pipeline wiring for a region,
 * and a walk over the inventory kind by kind and page by page that keeps
 * going when one kind or one region fails, recording why.
 *
 * All judgement (evaluate, decide, act) is the shared engine's: the CLI only
 * feeds it subjects and reads what it returns.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type Clients, createClients, createStsClient } from '../shared/aws/clients.js';
import { createInventory } from '../shared/wiring/inventory.js';
import { describeKind } from '../shared/kinds/registry.js';
import type { Outcome, Plan } from '../shared/verdict.js';
import type { ResourceKind, Scope } from '../shared/model.js';
import type { Subject } from '../shared/kinds/subject.js';
import type { PipelineDeps, Remediator } from '../shared/engine/pipeline.js';
import type { Policy } from '../shared/policy.js';
import type { UsageSource } from '../shared/engine/ports.js';
import { pipelineDeps } from '../shared/wiring/pipeline-deps.js';
import { collectDegradations, type Degradation } from '../shared/observability/degraded.js';
import { awsCode, CredentialsError, describeError, type ErrorInfo, isCredentialsError, isPermissionError, messageOf } from './errors.js';
import { count, type Progress } from './progress.js';

export interface CliDeps {
  /** AWS clients for a region (createClients: credential chain, AWS_PROFILE, AWS_ENDPOINT_URL, retries). */
  clientsFor(region: string): Clients;
  /** STS client for the identity check. */
  stsFor(region: string): Pick<STSClient, 'send'>;
  now(): Date;
}

export function defaultDeps(): CliDeps {
  return {
    clientsFor: createClients,
    stsFor: createStsClient,
    now: () => new Date(),
  };
}

export interface Identity {
  account: string;
  arn?: string;
}

/** GetCallerIdentity; any failure here means no usable credentials (exit 2). */
export async function identify(deps: CliDeps, region: string): Promise<Identity> {
  try {
    const out = await deps.stsFor(region).send(new GetCallerIdentityCommand({}));
    if (!out.Account) throw new Error('GetCallerIdentity returned no account');
    return out.Arn ? { account: out.Account, arn: out.Arn } : { account: out.Account };
  } catch (error) {
    if (isCredentialsError(error)) {
      throw new CredentialsError(
        'no AWS credentials found: set AWS_PROFILE or use --profile, run `aws sso login` / `aws configure`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      );
    }
    const { code, message, hint } = describeError(error);
    throw new CredentialsError(`cannot identify the caller with STS GetCallerIdentity: ${code ? `${code}: ` : ''}${message}${hint ? ` (${hint})` : ''}`);
  }
}

export interface RegionError extends ErrorInfo {
  /** What could not be read: a kind, `region`, `auto-scaling-groups`, `usage`, `images` or `remediation`. */
  scope: string;
}

export interface RegionStatus {
  /** Set in an organization report (--org). */
  account?: string;
  region: string;
  /** `failed`: nothing could be read; `partial`: some parts failed. */
  status: 'ok' | 'partial' | 'failed';
  errors: RegionError[];
  /** Listings that timed out at full pages and went on with smaller ones (shared/aws/pages.ts). */
  degraded?: Degradation[];
}

/** Records errors of one region; credential errors are never swallowed. */
export class RegionLog {
  readonly errors: RegionError[] = [];
  readonly degraded: Degradation[] = [];
  succeeded = 0;
  constructor(readonly region: string) {}

  record(scope: string, error: unknown): void {
    if (isCredentialsError(error)) throw error;
    const info = describeError(error);
    if (this.errors.some((e) => e.scope === scope && e.code === info.code)) return;
    this.errors.push({ scope, ...info });
  }

  status(): RegionStatus {
    const status = this.errors.length === 0 ? 'ok' : this.succeeded === 0 ? 'failed' : 'partial';
    return { region: this.region, status, errors: this.errors, ...(this.degraded.length > 0 ? { degraded: this.degraded } : {}) };
  }
}

/**
 * Lists the chosen kinds of one region page by page and hands each page to
 * `onPage`. An error that is one kind's (kindLevel) is recorded and the next
 * kind is tried; any other error (region not enabled, token invalid there,
 * network, no answer) stops the region. Credential errors propagate.
 */
export async function walkRegion(
  clients: Clients,
  scope: Scope,
  kinds: readonly ResourceKind[],
  log: RegionLog,
  progress: Progress,
  onPage: (kind: ResourceKind, subjects: Subject[]) => Promise<void>,
  /** Called once a kind was read whole (every page): the migration stage needs to know what it saw all of. */
  onKindRead?: (kind: ResourceKind) => void,
): Promise<void> {
  const walkKinds = async (): Promise<void> => {
    const inventory = createInventory(clients, scope);
    for (const kind of kinds) {
      try {
        const words = describeKind(kind).words.many;
        let page = 0;
        let seen = 0;
        for await (const subjects of inventory.pages(kind)) {
          page += 1;
          seen += subjects.length;
          progress.update(scope.region, `${words}, page ${page} (${count(seen)})`);
          await onPage(kind, subjects);
        }
        log.succeeded += 1;
        onKindRead?.(kind);
      } catch (error) {
        const own = kindLevel(error, log.succeeded > 0);
        log.record(own ? kind : 'region', error);
        if (!own) return;
      }
    }
  };
  // One run per region walk: a listing that fell back to smaller pages starts there the next time.
  const { degraded } = await collectDegradations(walkKinds);
  log.degraded.push(...degraded);
}

/** The service answered, but the call is not something this account or Region as a whole lacks. */
const REGION_CODES: ReadonlySet<string> = new Set(['AuthFailure', 'UnrecognizedClientException', 'OptInRequired', 'InvalidClientTokenId', 'SignatureDoesNotMatch']);

/**
 * Whether an error is one kind's, so the other kinds are still worth listing:
 * a denied call, or any answer from a service that already answered this
 * Region's other kinds (an emulator lacking one call answers it with a 500 or
 * 501, moto with an HTML page). No answer at all, a Region or token error, or
 * a page that is not an AWS reply before anything was read (a proxy, a
 * captive portal) is the Region's.
 */
export function kindLevel(error: unknown, somethingRead: boolean): boolean {
  if (isPermissionError(error)) return true;
  if (!somethingRead) return false;
  const info = describeError(error);
  if (info.status === undefined || info.code === 'TimeoutError') return false;
  return info.code === undefined || !REGION_CODES.has(info.code);
}

/** A remediator that only collects plans: nothing can be written through it. */
export function planCollector(now: () => Date): Remediator {
  return async (plans: readonly Plan[]): Promise<Outcome[]> =>
    plans.map((plan) => ({
      plan,
      status: plan.execute ? 'planned' : 'skipped',
      message: plan.summary,
      ...(plan.superseded !== undefined ? { superseded: plan.superseded } : {}),
      at: now(),
    }));
}

/**
 * The shared pipeline's dependencies for one region (shared/wiring/pipeline-deps.ts), with
 * no findings sink, the given remediator, and usage / AMI look-ups that
 * degrade to "unknown" (recorded) instead of failing the page: unknown usage
 * is the safe direction, the usage-known gate then holds the instance back.
 */
export function regionDeps(
  clients: Clients,
  scope: Scope,
  policy: Policy,
  remediator: Remediator,
  log: RegionLog,
): PipelineDeps {
  const base = pipelineDeps(clients, { ...scope, policy, findings: false, remediation: false, actor: 'imds-guard CLI' });
  const deps: PipelineDeps = { ...base, remediator };
  const usage = base.usage;
  if (usage) {
    const guarded: UsageSource = {
      async usage(ids, days) {
        try {
          return await usage.usage(ids, days);
        } catch (error) {
          log.record('usage', error);
          return new Map();
        }
      },
    };
    const account = usage.accountUsage;
    // The account-wide look-up of the stage: recorded, and its failure leaves the stage's IMDSv1 use unknown.
    if (account) {
      guarded.accountUsage = async (days) => {
        try {
          return await account.call(usage, days);
        } catch (error) {
          log.record('usage', error);
          throw error;
        }
      };
    }
    deps.usage = guarded;
  }
  const images = base.images;
  if (images) {
    deps.images = async (ids) => {
      try {
        return await images(ids);
      } catch (error) {
        log.record('images', error);
        return new Map();
      }
    };
  }
  return deps;
}

export { awsCode, messageOf };
