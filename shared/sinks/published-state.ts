/**
 * What imds-guard last published to Security Hub, where it is kept and how it is read
 * back; the change filter (shared/sinks/published.ts) decides from it.
 *
 * Where the state lives (measured in bench/cost.ts, documented in docs/cost.md):
 * - `IMDS_GUARD_STATE_BUCKET` set (the templates set it): one gzip JSON
 *   object per account and Region in that bucket — 1 GetObject per sweep, 1
 *   PutObject only when something was published, whatever the estate size;
 *   plus one GetFindings page for the findings that the events and action
 *   functions published since the state was saved (filtered on
 *   ProductFields `imds-guard/published-by` ≠ `sweep`), so their changes are
 *   not imported a second time and their resources can still be archived.
 * - no bucket (tests, an emulator, a partial deployment): our own findings
 *   are read back with GetFindings (ProductArn + GeneratorId prefix +
 *   RecordState ACTIVE, `paginateGetFindings`), 100 a page: one call per 50
 *   resources, and Security Hub allows only a few GetFindings a second.
 *
 * A state that is missing or unreadable is UNKNOWN, and an unknown state
 * publishes everything (never nothing); the sweep then writes a fresh one.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { paginateGetFindings, type AwsSecurityFinding, type AwsSecurityFindingFilters, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { gunzipSync, gzipSync } from 'node:zlib';
import { errorCode } from '../aws/batch.js';
import { pageItems, pageSizeLadder } from '../aws/pages.js';
import { ID_PREFIX, productArnFor } from '../findings/asff.js';
import { FINGERPRINT_FIELD, PUBLISHER_FIELD, type PublishedEntry } from '../findings/fingerprint.js';
import { errorFields, logger } from '../observability/log.js';
import type { Scope } from '../model.js';

export const STATE_BUCKET_ENV = 'IMDS_GUARD_STATE_BUCKET';

/** Clock skew and in-flight imports: the read-back of others' findings starts this long before the state was saved. */
const DELTA_MARGIN_MS = 10 * 60 * 1000;

const STATE_VERSION = 1;

type SecurityHub = Pick<SecurityHubClient, 'send'>;

type S3 = Pick<S3Client, 'send'>;

export interface LoadedState {
  entries: Map<string, PublishedEntry>;
  /** True when `entries` holds every active finding of ours, so resources missing from the estate can be told from it. */
  complete: boolean;
}

export interface PublishedStore {
  /** For logs: where the state lives. */
  readonly where: string;
  /** `undefined`: the state is lost or unreadable (publish everything). */
  load(): Promise<LoadedState | undefined>;
  /** Persists the state as of `savedAt` (nothing to do for the read-back store). */
  save(entries: ReadonlyMap<string, PublishedEntry>, savedAt: Date): Promise<void>;
}

function ourFindings(scope: Scope, extra: AwsSecurityFindingFilters): AwsSecurityFindingFilters {
  return {
    ProductArn: [{ Value: productArnFor(scope.account, scope.region), Comparison: 'EQUALS' }],
    GeneratorId: [{ Value: ID_PREFIX, Comparison: 'PREFIX' }],
    AwsAccountId: [{ Value: scope.account, Comparison: 'EQUALS' }],
    ...extra,
  };
}

function entryOf(finding: AwsSecurityFinding): PublishedEntry {
  const at = Date.parse(finding.UpdatedAt ?? '');
  return { fp: finding.ProductFields?.[FINGERPRINT_FIELD] ?? '', at: Number.isNaN(at) ? 0 : at };
}

/** GetFindings MaxResults: 1..100 (Security Hub API reference). */
export const GET_FINDINGS_PAGE_SIZE = 100;
export const GET_FINDINGS_MIN_PAGE_SIZE = 1;

/** Reads our findings with the SDK paginator, 100 a page (smaller pages when a full one times out). */
async function readFindings(client: SecurityHub, filters: AwsSecurityFindingFilters, visit: (f: AwsSecurityFinding) => void): Promise<void> {
  const pages = pageItems({
    operation: 'GetFindings',
    detail: 'our findings',
    sizes: pageSizeLadder(GET_FINDINGS_PAGE_SIZE, GET_FINDINGS_MIN_PAGE_SIZE),
    open: (size, startingToken, withCommand) =>
      paginateGetFindings({ client: client as SecurityHubClient, pageSize: size, startingToken, withCommand }, { Filters: filters, MaxResults: size }),
    items: (page) => page.Findings,
  });
  for await (const page of pages) for (const finding of page) visit(finding);
}

/** State read back from Security Hub itself: every ACTIVE finding of ours, with the fingerprint it carries. */
export function securityHubReadBack(client: SecurityHub, scope: Scope): PublishedStore {
  return {
    where: 'Security Hub (GetFindings read-back)',
    async load() {
      const entries = new Map<string, PublishedEntry>();
      try {
        await readFindings(client, ourFindings(scope, { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] }), (f) => {
          if (f.Id) entries.set(f.Id, entryOf(f));
        });
      } catch (error) {
        logger.warn('could not read our findings back from Security Hub; publishing everything', errorFields(error));
        return undefined;
      }
      return { entries, complete: true };
    },
    async save() {
      // The findings are the state.
    },
  };
}

interface StateFile {
  version: number;
  account: string;
  region: string;
  savedAt: string;
  /** finding Id → [fingerprint, published at (epoch seconds)] */
  entries: Record<string, [string, number]>;
}

export function stateKey(scope: Scope): string {
  return `imds-guard/state/${scope.account}/${scope.region}/findings.json.gz`;
}

export function encodeState(entries: ReadonlyMap<string, PublishedEntry>, scope: Scope, savedAt: Date): Buffer {
  // No prototype: an id such as `__proto__` is an entry like any other, not a setter.
  const file: StateFile = { version: STATE_VERSION, account: scope.account, region: scope.region, savedAt: savedAt.toISOString(), entries: Object.create(null) as StateFile['entries'] };
  for (const [id, e] of entries) file.entries[id] = [e.fp, Math.floor(e.at / 1000)];
  return gzipSync(JSON.stringify(file));
}

/** The state file's entries, or a reason it cannot be used. */
export function decodeState(body: Uint8Array, scope: Scope): { entries: Map<string, PublishedEntry>; savedAt: Date } | { error: string } {
  let file: StateFile;
  try {
    file = JSON.parse(gunzipSync(body).toString('utf8')) as StateFile;
  } catch (error) {
    return { error: `not gzip JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!file || typeof file !== 'object' || file.version !== STATE_VERSION) return { error: `unknown state version ${JSON.stringify((file as { version?: unknown })?.version)}` };
  if (file.account !== scope.account || file.region !== scope.region) return { error: `state of ${file.account}/${file.region}, not ${scope.account}/${scope.region}` };
  const savedAt = new Date(file.savedAt);
  if (Number.isNaN(savedAt.getTime()) || !file.entries || typeof file.entries !== 'object') return { error: 'state has no savedAt or entries' };
  const entries = new Map<string, PublishedEntry>();
  for (const [id, value] of Object.entries(file.entries)) {
    if (!Array.isArray(value) || typeof value[0] !== 'string' || typeof value[1] !== 'number') return { error: `bad entry for ${id}` };
    entries.set(id, { fp: value[0], at: value[1] * 1000 });
  }
  return { entries, savedAt };
}

/** State in one S3 object per account and Region, completed with what the other functions published since. */
export function s3StateStore(s3: S3, securityHub: SecurityHub, scope: Scope & { bucket: string }): PublishedStore {
  const key = stateKey(scope);
  const where = `s3://${scope.bucket}/${key}`;
  return {
    where,
    async load() {
      let body: Uint8Array;
      try {
        const response = await s3.send(new GetObjectCommand({ Bucket: scope.bucket, Key: key }));
        body = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
      } catch (error) {
        const code = errorCode(error);
        if (code === 'NoSuchKey' || code === 'NotFound') logger.warn('no finding state yet (first sweep, or it was deleted); publishing everything', { where });
        else logger.error('finding state unreadable; publishing everything', { where, ...errorFields(error) });
        return undefined;
      }
      const decoded = decodeState(body, scope);
      if ('error' in decoded) {
        logger.error('finding state unreadable; publishing everything', { where, reason: decoded.error });
        return undefined;
      }
      const { entries, savedAt } = decoded;
      // What the events and action functions published since: merged, so it is not imported again.
      try {
        const start = new Date(savedAt.getTime() - DELTA_MARGIN_MS).toISOString();
        await readFindings(
          securityHub,
          ourFindings(scope, {
            UpdatedAt: [{ Start: start, End: new Date(Date.now() + 24 * 3600 * 1000).toISOString() }],
            ProductFields: [{ Key: PUBLISHER_FIELD, Value: 'sweep', Comparison: 'NOT_EQUALS' }],
          }),
          (f) => {
            if (!f.Id) return;
            if (f.RecordState === 'ARCHIVED') entries.delete(f.Id);
            else entries.set(f.Id, entryOf(f));
          },
        );
      } catch (error) {
        // Without it the state may miss findings of resources that came and went since: do not archive from it.
        logger.warn('could not read back the findings published since the last sweep', { where, ...errorFields(error) });
        return { entries, complete: false };
      }
      return { entries, complete: true };
    },
    async save(entries, savedAt) {
      await s3.send(
        new PutObjectCommand({
          Bucket: scope.bucket,
          Key: key,
          Body: encodeState(entries, scope, savedAt),
          ContentType: 'application/json',
          ContentEncoding: 'gzip',
        }),
      );
    },
  };
}

/** The store a function's environment names: the S3 bucket when set, else Security Hub read-back. */
export function publishedStoreFromEnv(
  clients: { securityHub: SecurityHub; s3?: () => S3 },
  scope: Scope,
  env: NodeJS.ProcessEnv = process.env,
): PublishedStore {
  const bucket = env[STATE_BUCKET_ENV]?.trim();
  if (bucket && clients.s3) return s3StateStore(clients.s3(), clients.securityHub, { ...scope, bucket });
  return securityHubReadBack(clients.securityHub, scope);
}
