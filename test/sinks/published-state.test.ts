/**
 * The published-state change filter (shared/sinks/published.ts) piece by
 * piece, against mocked S3 and Security Hub: what a sweep may trust in its
 * state (a file of this account and Region only, a read-back that finished),
 * what it records (only what was imported), and what it may archive from it.
 * test/sinks/published.test.ts runs the same code end to end against the
 * fake endpoint.
 */
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding, type GetFindingsCommandInput } from '@aws-sdk/client-securityhub';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { evaluate } from '../../shared/engine/evaluate.js';
import { findingId, findingsFromReport, productArnFor } from '../../shared/findings/asff.js';
import { FINGERPRINT_FIELD, findingFingerprint, PUBLISHER_FIELD, refreshAgeMs, type PublishedEntry } from '../../shared/findings/fingerprint.js';
import { logger } from '../../shared/observability/log.js';
import { refKey, type ResourceRef } from '../../shared/model.js';
import { DEFAULT_POLICY } from '../../shared/policy.js';
import type { FindingsSink, PublishResult, Report } from '../../shared/engine/ports.js';
import { changedOnly, DEFAULT_REFRESH_DAYS, MAX_REFRESH_DAYS, openChangeFilter, refreshDaysFromEnv } from '../../shared/sinks/published.js';
import { decodeState, encodeState, publishedStoreFromEnv, s3StateStore, securityHubReadBack, stateKey, type LoadedState, type PublishedStore } from '../../shared/sinks/published-state.js';
import { awsError } from '../support/aws-errors.js';
import { ACCOUNT, instance, REGION, ref } from '../support/subjects.js';

const SCOPE = { account: ACCOUNT, region: REGION };
const BUCKET = 'imds-guard-state-123456789012';
const KEY = stateKey(SCOPE);
const SAVED = new Date('2026-11-01T00:00:00.000Z');
const NOW = new Date('2026-11-02T06:00:00.000Z');
const DAY = 86_400_000;
const PRODUCT = productArnFor(ACCOUNT, REGION);

const s3 = mockClient(S3Client);
const sh = mockClient(SecurityHubClient);
const s3Client = new S3Client({ region: REGION });
const shClient = new SecurityHubClient({ region: REGION });

beforeEach(() => {
  s3.reset();
  sh.reset();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** What the store told the operator: warn for the expected (a first sweep), error for what needs a look. */
function logged() {
  const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
  const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  return { warn, error };
}

/** A GetObject reply carrying `bytes`, as the SDK returns it (a stream with transformToByteArray). */
const objectBody = (bytes: Uint8Array) => ({ Body: sdkStreamMixin(Readable.from([Buffer.from(bytes)])), ContentEncoding: 'gzip' });

/** One of our findings as GetFindings returns it (ASFF, the fields the state reads). */
function found(id: string, fp: string, updatedAt: string, extra: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding {
  return { Id: id, ProductArn: PRODUCT, UpdatedAt: updatedAt, RecordState: 'ACTIVE', ProductFields: { [FINGERPRINT_FIELD]: fp, [PUBLISHER_FIELD]: 'event' }, ...extra } as AwsSecurityFinding;
}

const idOf = (instanceId: string, check = 'imdsv2') => findingId(ref('instance', instanceId), check as 'imdsv2');
const entries = (pairs: [string, PublishedEntry][]) => new Map(pairs);
const getFindingsInputs = (): GetFindingsCommandInput[] => sh.commandCalls(GetFindingsCommand).map((c) => c.args[0].input);

describe('the state file: encodeState / decodeState', () => {
  const state = entries([
    [idOf('i-0aaaaaaaaaaaaaaa1'), { fp: 'fp-1', at: Date.parse('2026-10-30T12:34:56.789Z') }],
    [idOf('i-0aaaaaaaaaaaaaaa2', 'hop-limit'), { fp: '', at: 0 }],
  ]);

  it('round-trips entries (publish times kept to the second) with the time it was saved', () => {
    const decoded = decodeState(encodeState(state, SCOPE, SAVED), SCOPE);
    expect(decoded).toEqual({
      savedAt: SAVED,
      entries: entries([
        [idOf('i-0aaaaaaaaaaaaaaa1'), { fp: 'fp-1', at: Date.parse('2026-10-30T12:34:56.000Z') }],
        [idOf('i-0aaaaaaaaaaaaaaa2', 'hop-limit'), { fp: '', at: 0 }],
      ]),
    });
  });

  it('is gzip JSON naming its version, account and Region', () => {
    const file = JSON.parse(gunzipSync(encodeState(state, SCOPE, SAVED)).toString('utf8'));
    expect(file).toMatchObject({ version: 1, account: ACCOUNT, region: REGION, savedAt: SAVED.toISOString() });
    expect(file.entries[idOf('i-0aaaaaaaaaaaaaaa1')]).toEqual(['fp-1', Math.floor(Date.parse('2026-10-30T12:34:56.789Z') / 1000)]);
  });

  it('refuses the state of another account or Region (a copied bucket, a wrong key)', () => {
    const other = encodeState(state, { account: '999988887777', region: REGION }, SAVED);
    expect(decodeState(other, SCOPE)).toEqual({ error: `state of 999988887777/${REGION}, not ${ACCOUNT}/${REGION}` });
    const elsewhere = encodeState(state, { account: ACCOUNT, region: 'eu-west-1' }, SAVED);
    expect(decodeState(elsewhere, SCOPE)).toEqual({ error: `state of ${ACCOUNT}/eu-west-1, not ${ACCOUNT}/${REGION}` });
  });

  const gz = (value: unknown) => gzipSync(JSON.stringify(value));
  const good = { version: 1, account: ACCOUNT, region: REGION, savedAt: SAVED.toISOString(), entries: { [idOf('i-0aaaaaaaaaaaaaaa1')]: ['fp', 1_700_000_000] } };

  it.each([
    ['not gzip', Buffer.from('{"version":1}'), /^not gzip JSON \(/],
    ['gzip but not JSON', gzipSync('{"version":'), /^not gzip JSON \(/],
    ['JSON null', gz(null), 'unknown state version undefined'],
    ['a string', gz('state'), 'unknown state version undefined'],
    ['another version', gz({ ...good, version: 2 }), 'unknown state version 2'],
    ['a version as text', gz({ ...good, version: '1' }), 'unknown state version "1"'],
    ['no savedAt', gz({ ...good, savedAt: undefined }), 'state has no savedAt or entries'],
    ['a savedAt that is no date', gz({ ...good, savedAt: 'yesterday' }), 'state has no savedAt or entries'],
    ['no entries', gz({ ...good, entries: undefined }), 'state has no savedAt or entries'],
    ['entries that are no object', gz({ ...good, entries: 'all of them' }), 'state has no savedAt or entries'],
    ['an entry that is no pair', gz({ ...good, entries: { x: 'fp' } }), 'bad entry for x'],
    ['an entry without a fingerprint', gz({ ...good, entries: { x: [1, 1] } }), 'bad entry for x'],
    ['an entry without a time', gz({ ...good, entries: { x: ['fp', '1700000000'] } }), 'bad entry for x'],
  ])('refuses %s', (_what, body, error) => {
    const decoded = decodeState(body, SCOPE);
    expect(decoded).toHaveProperty('error');
    if (typeof error === 'string') expect(decoded).toEqual({ error });
    else expect((decoded as { error: string }).error).toMatch(error);
  });

  it('keeps an entry whatever its id, __proto__ included (ids come back from Security Hub)', () => {
    const odd = entries([['__proto__', { fp: 'a', at: 1000 }], ['constructor', { fp: 'b', at: 2000 }]]);
    expect(decodeState(encodeState(odd, SCOPE, SAVED), SCOPE)).toEqual({ entries: odd, savedAt: SAVED });
  });

  it('accepts a state with no entries', () => {
    expect(decodeState(gz({ ...good, entries: {} }), SCOPE)).toEqual({ entries: new Map(), savedAt: SAVED });
  });
});

describe('IMDS_GUARD_FINDING_REFRESH_DAYS', () => {
  it('defaults to 30 when unset or blank', () => {
    expect(DEFAULT_REFRESH_DAYS).toBe(30);
    for (const env of [{}, { IMDS_GUARD_FINDING_REFRESH_DAYS: '' }, { IMDS_GUARD_FINDING_REFRESH_DAYS: '   ' }]) expect(refreshDaysFromEnv(env)).toBe(30);
  });

  it('takes whole days from 1 to 80 (Security Hub deletes findings not updated for 90 days)', () => {
    expect(MAX_REFRESH_DAYS).toBe(80);
    expect(refreshDaysFromEnv({ IMDS_GUARD_FINDING_REFRESH_DAYS: '1' })).toBe(1);
    expect(refreshDaysFromEnv({ IMDS_GUARD_FINDING_REFRESH_DAYS: ' 80 ' })).toBe(80);
    for (const bad of ['0', '81', '-3', '1.5', 'soon', '1e1000']) {
      expect(() => refreshDaysFromEnv({ IMDS_GUARD_FINDING_REFRESH_DAYS: bad }), bad).toThrow(
        `IMDS_GUARD_FINDING_REFRESH_DAYS must be a whole number of days from 1 to 80 (Security Hub deletes findings not updated for 90 days), got ${JSON.stringify(bad.trim())}`,
      );
    }
  });
});

describe('securityHubReadBack: the state is our ACTIVE findings', () => {
  it('reads every page of our active findings, with the fingerprint and update time each carries', async () => {
    sh.on(GetFindingsCommand)
      .resolvesOnce({ Findings: [found(idOf('i-0aaaaaaaaaaaaaaa1'), 'fp-1', '2026-10-30T00:00:00.000Z'), { ProductArn: PRODUCT } as AwsSecurityFinding], NextToken: 'page-2' })
      .resolvesOnce({ NextToken: 'page-3' })
      .resolvesOnce({ Findings: [found(idOf('i-0aaaaaaaaaaaaaaa2'), 'fp-2', 'not a date', { ProductFields: undefined })] });
    const store = securityHubReadBack(shClient, SCOPE);
    expect(store.where).toBe('Security Hub (GetFindings read-back)');
    const loaded = await store.load();
    expect(loaded).toEqual({
      complete: true,
      entries: entries([
        [idOf('i-0aaaaaaaaaaaaaaa1'), { fp: 'fp-1', at: Date.parse('2026-10-30T00:00:00.000Z') }],
        [idOf('i-0aaaaaaaaaaaaaaa2'), { fp: '', at: 0 }],
      ]),
    });
    const inputs = getFindingsInputs();
    expect(inputs).toHaveLength(3);
    expect(inputs[2]?.NextToken).toBe('page-3');
    expect({ ...inputs[0], NextToken: undefined }).toEqual({
      NextToken: undefined,
      MaxResults: 100,
      Filters: {
        ProductArn: [{ Value: PRODUCT, Comparison: 'EQUALS' }],
        GeneratorId: [{ Value: 'imds-guard/', Comparison: 'PREFIX' }],
        AwsAccountId: [{ Value: ACCOUNT, Comparison: 'EQUALS' }],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      },
    });
  });

  it('a failed read is an unknown state (publish everything), never an empty one', async () => {
    sh.on(GetFindingsCommand).resolvesOnce({ Findings: [found(idOf('i-0aaaaaaaaaaaaaaa1'), 'fp-1', '2026-10-30T00:00:00.000Z')], NextToken: 'p2' }).rejects(
      awsError('SecurityHub', 'TooManyRequestsException', 'Too Many Requests', { attempts: 3 }),
    );
    const log = logged();
    expect(await securityHubReadBack(shClient, SCOPE).load()).toBeUndefined();
    expect(log.warn).toHaveBeenCalledWith('could not read our findings back from Security Hub; publishing everything', expect.objectContaining({ errorCode: 'TooManyRequestsException' }));
  });

  it('saving writes nothing: the findings are the state', async () => {
    await securityHubReadBack(shClient, SCOPE).save(entries([[idOf('i-0aaaaaaaaaaaaaaa1'), { fp: 'x', at: 1 }]]), NOW);
    expect(sh.calls()).toHaveLength(0);
  });
});

describe('s3StateStore: the state file, completed by a read-back of what others published since', () => {
  const store = () => s3StateStore(s3Client, shClient, { ...SCOPE, bucket: BUCKET });
  const fileEntries = entries([
    [idOf('i-0aaaaaaaaaaaaaaa1'), { fp: 'fp-1', at: Date.parse('2026-10-20T00:00:00.000Z') }],
    [idOf('i-0aaaaaaaaaaaaaaa2'), { fp: 'fp-2', at: Date.parse('2026-10-21T00:00:00.000Z') }],
  ]);
  const withFile = (bytes: Uint8Array = encodeState(fileEntries, SCOPE, SAVED)) => s3.on(GetObjectCommand, { Bucket: BUCKET, Key: KEY }).resolves(objectBody(bytes) as never);

  it('lives at s3://<bucket>/imds-guard/state/<account>/<region>/findings.json.gz', () => {
    expect(KEY).toBe(`imds-guard/state/${ACCOUNT}/${REGION}/findings.json.gz`);
    expect(store().where).toBe(`s3://${BUCKET}/${KEY}`);
  });

  it('merges the findings the events and action functions published since the state was saved', async () => {
    withFile();
    sh.on(GetFindingsCommand)
      .resolvesOnce({ Findings: [found(idOf('i-0aaaaaaaaaaaaaaa1'), 'fp-1b', '2026-11-01T03:00:00.000Z'), { RecordState: 'ACTIVE' } as AwsSecurityFinding], NextToken: 'p2' })
      .resolvesOnce({ Findings: [found(idOf('i-0aaaaaaaaaaaaaaa3'), 'fp-3', '2026-11-01T04:00:00.000Z')] });
    const loaded = await store().load();
    expect(loaded).toEqual({
      complete: true,
      entries: entries([
        [idOf('i-0aaaaaaaaaaaaaaa1'), { fp: 'fp-1b', at: Date.parse('2026-11-01T03:00:00.000Z') }],
        [idOf('i-0aaaaaaaaaaaaaaa2'), { fp: 'fp-2', at: Date.parse('2026-10-21T00:00:00.000Z') }],
        [idOf('i-0aaaaaaaaaaaaaaa3'), { fp: 'fp-3', at: Date.parse('2026-11-01T04:00:00.000Z') }],
      ]),
    });
    const [first] = getFindingsInputs();
    expect(first?.Filters).toMatchObject({
      ProductArn: [{ Value: PRODUCT, Comparison: 'EQUALS' }],
      GeneratorId: [{ Value: 'imds-guard/', Comparison: 'PREFIX' }],
      AwsAccountId: [{ Value: ACCOUNT, Comparison: 'EQUALS' }],
      // From 10 minutes before the save (clock skew, imports in flight), not published by a sweep.
      UpdatedAt: [{ Start: '2026-10-31T23:50:00.000Z', End: expect.any(String) }],
      ProductFields: [{ Key: PUBLISHER_FIELD, Value: 'sweep', Comparison: 'NOT_EQUALS' }],
    });
    expect(first?.Filters?.RecordState).toBeUndefined(); // archived ones are wanted too
    expect(Date.parse(first!.Filters!.UpdatedAt![0]!.End!)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  });

  it('a finding another function archived since is gone from the state', async () => {
    withFile();
    sh.on(GetFindingsCommand).resolves({ Findings: [found(idOf('i-0aaaaaaaaaaaaaaa2'), 'fp-2', '2026-11-01T05:00:00.000Z', { RecordState: 'ARCHIVED' })] });
    const loaded = await store().load();
    expect([...loaded!.entries.keys()]).toEqual([idOf('i-0aaaaaaaaaaaaaaa1')]);
    expect(loaded!.complete).toBe(true);
  });

  it('a read-back that fails leaves the state usable but incomplete: nothing may be archived from it', async () => {
    withFile();
    sh.on(GetFindingsCommand).rejects(awsError('SecurityHub', 'AccessDeniedException', 'User is not authorized to perform: securityhub:GetFindings'));
    const log = logged();
    expect(await store().load()).toEqual({ entries: fileEntries, complete: false });
    expect(log.warn).toHaveBeenCalledWith('could not read back the findings published since the last sweep', expect.objectContaining({ where: `s3://${BUCKET}/${KEY}`, errorCode: 'AccessDeniedException' }));
  });

  it('no state file yet: unknown (publish everything), a warning, not an error', async () => {
    const log = logged();
    s3.on(GetObjectCommand).rejects(awsError('S3', 'NoSuchKey', 'The specified key does not exist.'));
    expect(await store().load()).toBeUndefined();
    // HeadObject-style replies name it NotFound.
    s3.on(GetObjectCommand).rejects(awsError('S3', 'NotFound', 'Not Found'));
    expect(await store().load()).toBeUndefined();
    expect(log.warn.mock.calls).toEqual([
      ['no finding state yet (first sweep, or it was deleted); publishing everything', { where: `s3://${BUCKET}/${KEY}` }],
      ['no finding state yet (first sweep, or it was deleted); publishing everything', { where: `s3://${BUCKET}/${KEY}` }],
    ]);
    expect(log.error).not.toHaveBeenCalled();
    expect(sh.calls()).toHaveLength(0);
  });

  it('a state file that cannot be read: unknown (publish everything), logged as an error with why', async () => {
    const log = logged();
    s3.on(GetObjectCommand).rejects(awsError('S3', 'AccessDenied', 'Access Denied'));
    expect(await store().load()).toBeUndefined();
    expect(log.error).toHaveBeenLastCalledWith('finding state unreadable; publishing everything', expect.objectContaining({ where: `s3://${BUCKET}/${KEY}`, errorCode: 'AccessDenied' }));
    s3.on(GetObjectCommand).resolves({} as never); // no body
    expect(await store().load()).toBeUndefined();
    expect(log.error).toHaveBeenLastCalledWith('finding state unreadable; publishing everything', { where: `s3://${BUCKET}/${KEY}`, reason: expect.stringMatching(/^not gzip JSON/) });
    expect(log.warn).not.toHaveBeenCalled();
    expect(sh.calls()).toHaveLength(0);
  });

  it('a state file of another account or Region is not used', async () => {
    const log = logged();
    withFile(encodeState(fileEntries, { account: '999988887777', region: REGION }, SAVED));
    expect(await store().load()).toBeUndefined();
    expect(log.error).toHaveBeenLastCalledWith('finding state unreadable; publishing everything', { where: `s3://${BUCKET}/${KEY}`, reason: `state of 999988887777/${REGION}, not ${ACCOUNT}/${REGION}` });
    withFile(encodeState(fileEntries, { account: ACCOUNT, region: 'eu-west-1' }, SAVED));
    expect(await store().load()).toBeUndefined();
    expect(sh.calls()).toHaveLength(0);
  });

  it('saves one gzip JSON object', async () => {
    s3.on(PutObjectCommand).resolves({});
    await store().save(fileEntries, NOW);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: BUCKET, Key: KEY, ContentType: 'application/json', ContentEncoding: 'gzip' });
    expect(decodeState(put.Body as Uint8Array, SCOPE)).toEqual({ entries: new Map([...fileEntries].map(([id, e]) => [id, { fp: e.fp, at: Math.floor(e.at / 1000) * 1000 }])), savedAt: NOW });
  });
});

describe('publishedStoreFromEnv', () => {
  const clients = { securityHub: shClient, s3: () => s3Client };
  it('uses the bucket when IMDS_GUARD_STATE_BUCKET names one, else reads back from Security Hub', () => {
    expect(publishedStoreFromEnv(clients, SCOPE, { IMDS_GUARD_STATE_BUCKET: ` ${BUCKET} ` }).where).toBe(`s3://${BUCKET}/${KEY}`);
    expect(publishedStoreFromEnv(clients, SCOPE, { IMDS_GUARD_STATE_BUCKET: ' ' }).where).toBe('Security Hub (GetFindings read-back)');
    expect(publishedStoreFromEnv(clients, SCOPE, {}).where).toBe('Security Hub (GetFindings read-back)');
    expect(publishedStoreFromEnv({ securityHub: shClient }, SCOPE, { IMDS_GUARD_STATE_BUCKET: BUCKET }).where).toBe('Security Hub (GetFindings read-back)');
  });
});

/** A store in memory: what it loads, and every save. */
function memoryStore(loaded: LoadedState | undefined, failSave = false): PublishedStore & { saves: Map<string, PublishedEntry>[] } {
  const saves: Map<string, PublishedEntry>[] = [];
  return {
    where: 'memory',
    saves,
    load: async () => (loaded ? { entries: new Map(loaded.entries), complete: loaded.complete } : undefined),
    save: async (e) => {
      if (failSave) throw awsError('S3', 'AccessDenied', 'Access Denied');
      saves.push(new Map(e));
    },
  };
}

const ctx = { account: ACCOUNT, region: REGION, now: NOW };
const reportOf = (id: string, tokens: 'optional' | 'required' = 'optional'): Report => ({ verdict: evaluate(instance(id, { httpTokens: tokens }), DEFAULT_POLICY, NOW) });
const goneReport = (id: string): Report => ({ verdict: evaluate({ kind: 'missing', ref: ref('instance', id) }, DEFAULT_POLICY, NOW) });
/** The state entries that say exactly these reports were published at `at`. */
function publishedAt(reports: Report[], at: number): Map<string, PublishedEntry> {
  const out = new Map<string, PublishedEntry>();
  for (const report of reports) {
    findingsFromReport(report, ctx).forEach((f, i) => {
      const fp = findingFingerprint(f, { reason: report.verdict.checks[i]!.reason, usage: report.usage, outcome: report.outcome });
      out.set(f.Id!, { fp, at });
    });
  }
  return out;
}
const checksOf = (selected: Report[]) => selected.flatMap((r) => r.verdict.checks.map((c) => findingId(r.verdict.ref, c.check)));
const options = { ...SCOPE, refreshDays: 30, now: NOW };
const ok = (failed: string[] = []): PublishResult => ({ published: 0, failed: failed.map((id) => ({ id, error: 'InvalidInput: bad' })) });

describe('openChangeFilter: what a sweep publishes and remembers', () => {
  const A = 'i-0aaaaaaaaaaaaaaa1';
  const B = 'i-0aaaaaaaaaaaaaaa2';

  it('an unknown state publishes every finding, can archive nothing, and is saved afresh', async () => {
    const store = memoryStore(undefined);
    const filter = await openChangeFilter(store, options);
    expect(filter.known).toBe(false);
    const reports = [reportOf(A), reportOf(B, 'required')];
    expect(filter.select(reports)).toEqual(reports);
    expect(filter.counts).toEqual({ new: 4, changed: 0, refresh: 0, unchanged: 0 });
    expect(filter.publishes(ref('instance', 'i-0ccccccccccccccc3'))).toBe(true);
    expect(filter.gone(new Set())).toBeUndefined();
    filter.recordPublished([ok()]);
    await filter.save();
    expect(store.saves).toEqual([publishedAt(reports, NOW.getTime())]);
  });

  it('an unknown state is saved even when the sweep publishes nothing, so the next one starts from a known state', async () => {
    const store = memoryStore(undefined);
    const filter = await openChangeFilter(store, options);
    expect(filter.select([])).toEqual([]);
    await filter.save();
    expect(store.saves).toEqual([new Map()]);
  });

  it('an unknown state publishes the archived findings of a resource that is gone', async () => {
    const filter = await openChangeFilter(memoryStore(undefined), options);
    expect(checksOf(filter.select([goneReport(A)]))).toHaveLength(2);
    expect(filter.counts).toEqual({ new: 2, changed: 0, refresh: 0, unchanged: 0 });
  });

  it('a known state publishes only what changed or is due for a refresh', async () => {
    const reports = [reportOf(A), reportOf(B)];
    const before = publishedAt(reports, NOW.getTime() - DAY);
    // A's finding changed since (it was compliant then); B's imdsv2 finding is past its refresh age.
    before.set(findingId(ref('instance', A), 'imdsv2'), { fp: 'an older fingerprint', at: NOW.getTime() - DAY });
    const bKey = refKey(ref('instance', B));
    before.set(findingId(ref('instance', B), 'imdsv2'), { ...before.get(findingId(ref('instance', B), 'imdsv2'))!, at: NOW.getTime() - refreshAgeMs(bKey, 30) });
    const filter = await openChangeFilter(memoryStore({ entries: before, complete: true }), options);
    expect(filter.known).toBe(true);
    const selected = filter.select(reports);
    expect(checksOf(selected)).toEqual([findingId(ref('instance', A), 'imdsv2'), findingId(ref('instance', B), 'imdsv2')]);
    expect(selected.every((r) => r.verdict.checks.length === 1)).toBe(true);
    expect(filter.counts).toEqual({ new: 0, changed: 1, refresh: 1, unchanged: 2 });
    expect(filter.publishes(ref('instance', A))).toBe(true);
    expect(filter.publishes(ref('instance', 'i-0ccccccccccccccc3'))).toBe(false);
  });

  it('a report whose every check is selected goes out as it is; one with none is left out', async () => {
    const reports = [reportOf(A), reportOf(B)];
    const filter = await openChangeFilter(memoryStore({ entries: publishedAt([reports[1]!], NOW.getTime()), complete: true }), options);
    const selected = filter.select(reports);
    expect(selected).toHaveLength(1);
    expect(selected[0]).toBe(reports[0]);
  });

  it('records only the imports that went through: a failed one is published again by the next sweep', async () => {
    const store = memoryStore({ entries: new Map(), complete: true });
    const reports = [reportOf(A), reportOf(B)];
    const filter = await openChangeFilter(store, options);
    expect(checksOf(filter.select(reports))).toHaveLength(4);
    const failedId = findingId(ref('instance', B), 'hop-limit');
    filter.recordPublished([ok(), ok([failedId])]);
    await filter.save();
    const saved = store.saves[0]!;
    expect([...saved.keys()].sort()).toEqual(checksOf(reports).filter((id) => id !== failedId).sort());
    for (const entry of saved.values()) expect(entry.at).toBe(NOW.getTime());

    const next = await openChangeFilter(memoryStore({ entries: saved, complete: true }), { ...options, now: new Date(NOW.getTime() + 3_600_000) });
    expect(checksOf(next.select(reports))).toEqual([failedId]);
  });

  it('a resource now gone: its archived findings are published once, then forgotten', async () => {
    const store = memoryStore({ entries: publishedAt([reportOf(A)], NOW.getTime() - DAY), complete: true });
    const filter = await openChangeFilter(store, options);
    const selected = filter.select([goneReport(A)]);
    expect(checksOf(selected)).toHaveLength(2);
    expect(filter.counts.changed).toBe(2);
    filter.recordPublished([ok()]);
    await filter.save();
    expect(store.saves[0]).toEqual(new Map());
    // Archived and forgotten stays so.
    const again = await openChangeFilter(memoryStore({ entries: new Map(), complete: true }), options);
    expect(again.select([goneReport(A)])).toEqual([]);
    expect(again.counts.unchanged).toBe(2);
  });

  it('names the resources it knows but the sweep did not see, only from a complete state of its own account and Region', async () => {
    const state = publishedAt([reportOf(A), reportOf(B)], NOW.getTime());
    state.set(findingId({ kind: 'instance', id: 'i-0ddddddddddddddd4', account: '999988887777', region: REGION }, 'imdsv2'), { fp: 'x', at: 0 });
    state.set(findingId({ kind: 'instance', id: 'i-0eeeeeeeeeeeeeee5', account: ACCOUNT, region: 'eu-west-1' }, 'imdsv2'), { fp: 'x', at: 0 });
    state.set('not-one-of-ours', { fp: 'x', at: 0 });
    const complete = await openChangeFilter(memoryStore({ entries: state, complete: true }), options);
    expect(complete.gone(new Set([refKey(ref('instance', A))]))).toEqual([ref('instance', B)]);
    expect(complete.gone(new Set([refKey(ref('instance', A)), refKey(ref('instance', B))]))).toEqual([]);
    const partial = await openChangeFilter(memoryStore({ entries: state, complete: false }), options);
    expect(partial.known).toBe(true);
    expect(partial.gone(new Set())).toBeUndefined();
  });

  it('forgets the findings it archived, except those whose archiving failed', async () => {
    const store = memoryStore({ entries: publishedAt([reportOf(A), reportOf(B)], NOW.getTime()), complete: true });
    const filter = await openChangeFilter(store, options);
    const keptId = findingId(ref('instance', B), 'imdsv2');
    filter.recordArchived([ref('instance', A), ref('instance', B)], ok([keptId]));
    await filter.save();
    expect([...store.saves[0]!.keys()]).toEqual([keptId]);
  });

  it('saves only when something changed, and a failed save is logged, not thrown', async () => {
    const quiet = memoryStore({ entries: publishedAt([reportOf(A)], NOW.getTime()), complete: true });
    const unchanged = await openChangeFilter(quiet, options);
    expect(unchanged.select([reportOf(A)])).toEqual([]);
    unchanged.recordPublished([ok()]);
    unchanged.recordArchived([ref('instance', 'i-0ccccccccccccccc3')], ok());
    await unchanged.save();
    expect(quiet.saves).toEqual([]);

    const failing = await openChangeFilter(memoryStore(undefined, true), options);
    failing.select([reportOf(A)]);
    failing.recordPublished([ok()]);
    const log = logged();
    await expect(failing.save()).resolves.toBeUndefined();
    expect(log.error).toHaveBeenCalledWith('finding state not saved; the next sweep publishes again what this one published', expect.objectContaining({ where: 'memory', errorCode: 'AccessDenied' }));
  });

  it('changedOnly sends the sink only the selected findings, and notes only for resources published now', async () => {
    const filter = await openChangeFilter(memoryStore({ entries: publishedAt([reportOf(B)], NOW.getTime()), complete: true }), options);
    const seen: { published?: Report[]; archived?: readonly ResourceRef[]; annotated?: string[] } = {};
    const inner: FindingsSink = {
      publish: async (reports) => ((seen.published = [...reports]), { published: reports.length, failed: [] }),
      archive: async (refs) => ((seen.archived = refs), { published: refs.length, failed: [] }),
      annotate: async (outcomes) => ((seen.annotated = outcomes.map((o) => o.plan.ref.id)), { published: outcomes.length, failed: [] }),
    };
    const sink = changedOnly(filter, inner);
    await sink.publish([reportOf(A), reportOf(B)]);
    expect(seen.published?.map((r) => r.verdict.ref.id)).toEqual([A]);
    await sink.archive([ref('instance', B)]);
    expect(seen.archived).toEqual([ref('instance', B)]);
    const outcome = (id: string) => ({ plan: { ref: ref('instance', id) } }) as never;
    await sink.annotate([outcome(A), outcome(B)]);
    expect(seen.annotated).toEqual([A]);
  });
});
