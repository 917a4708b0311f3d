/**
 * Publishing only what changed: the real sweep, real SDK clients, against the
 * fake endpoint (bench/fake-aws.ts), with the state in S3 or read back from
 * Security Hub. Time is moved by the `now` given to the filter and the sink.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAws, instanceId, type FakeAws } from '../../bench/fake-aws.js';
import type { Clients } from '../../shared/aws/clients.js';
import { createInventory } from '../../shared/wiring/inventory.js';
import { createSecurityHubSink, createSecurityHubFindingIndex } from '../../shared/sinks/securityhub.js';
import { decodeState, encodeState, s3StateStore, securityHubReadBack, stateKey, type PublishedStore } from '../../shared/sinks/published-state.js';
import { openChangeFilter, refreshDaysFromEnv } from '../../shared/sinks/published.js';
import { DAY_MS, refreshAgeMs } from '../../shared/findings/fingerprint.js';
import { sweep, type SweepSummary } from '../../shared/engine/sweep.js';
import { destroy, detectDeps, fakeClients, immediateRetry, noSleep, SCOPE } from '../faults/support.js';
import { REGION } from '../../bench/fake-aws.js';

const BUCKET = 'imds-guard-state-test';
const T0 = new Date('2026-11-01T00:00:00.000Z');

let fake: FakeAws;
let clients: Clients;
let s3: S3Client;

beforeEach(async () => {
  fake = await startFakeAws({ instances: 40, launchTemplates: 3, launchConfigurations: 2 });
  clients = fakeClients(fake.url);
  s3 = new S3Client({ region: REGION, endpoint: fake.url, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, retryStrategy: immediateRetry() as never });
});
afterEach(async () => {
  destroy(clients);
  s3.destroy();
  await fake.close();
});

const importCount = (): number => [...fake.findings.values()].reduce((n, f) => n + f.imports, 0);

async function runSweep(store: PublishedStore, at: Date, refreshDays = 30): Promise<SweepSummary> {
  const deps = detectDeps(clients);
  deps.findings = createSecurityHubSink(clients.securityHub, { ...SCOPE, sleep: noSleep, publisher: 'sweep', now: () => at });
  const changes = await openChangeFilter(store, { ...SCOPE, refreshDays, now: at });
  return sweep({ inventory: createInventory(clients, SCOPE), deps, changes, activeFindings: createSecurityHubFindingIndex(clients.securityHub, SCOPE) });
}

const s3Store = (): PublishedStore => s3StateStore(s3, clients.securityHub, { ...SCOPE, bucket: BUCKET });

describe('publishing only what changed', () => {
  it.each([
    ['S3 state object', s3Store],
    ['Security Hub read-back', (): PublishedStore => securityHubReadBack(clients.securityHub, SCOPE)],
  ])('a second sweep of an unchanged estate imports nothing (%s)', async (_, store) => {
    const first = await runSweep(store(), T0);
    const all = importCount();
    expect(all).toBe(2 * first.evaluated); // every resource, both checks
    fake.reset();
    const second = await runSweep(store(), new Date(T0.getTime() + 6 * 3600 * 1000));
    expect(importCount()).toBe(all);
    expect(fake.calls.get('securityhub:BatchImportFindings') ?? 0).toBe(0);
    expect(second.findingsUnchanged).toBe(all);
    expect(second.archived).toBe(0);
  });

  it('imports exactly the findings of a resource that changed, and nothing else', async () => {
    await runSweep(s3Store(), T0);
    const before = new Map([...fake.findings].map(([id, f]) => [id, f.imports]));
    // Instance 1 (required in the estate) is switched to optional: its imdsv2 finding now says FAILED.
    fake.setInstanceTokens(1, 'optional');
    await runSweep(s3Store(), new Date(T0.getTime() + DAY_MS));
    const changed = [...fake.findings.values()].filter((f) => f.imports !== before.get(f.Id)).map((f) => f.Id);
    // Both findings of that instance show its metadata options (Resources.Details); nothing else moved.
    const prefix = `imds-guard/${REGION}/${SCOPE.account}/instance/${instanceId(1)}`;
    expect(changed.sort()).toEqual([`${prefix}/hop-limit`, `${prefix}/imdsv2`]);
    expect(fake.findings.get(`${prefix}/imdsv2`)?.ComplianceStatus).toBe('FAILED');
  });

  it('refreshes an unchanged finding before the refresh age, spread by resource, never all at once', async () => {
    await runSweep(s3Store(), T0);
    const total = importCount();
    const refreshed: number[] = [];
    let last = total;
    // Daily sweeps for 31 days: every finding is refreshed (its age is 15..30 days), no sweep does them all.
    for (let d = 1; d <= 31; d++) {
      await runSweep(s3Store(), new Date(T0.getTime() + d * DAY_MS));
      refreshed.push(importCount() - last);
      last = importCount();
    }
    for (const f of fake.findings.values()) expect(f.imports).toBeGreaterThanOrEqual(2);
    expect(Math.max(...refreshed)).toBeLessThan(total / 4);
    expect(refreshed.slice(0, 14).every((n) => n === 0)).toBe(true); // nothing younger than half the refresh age
  });

  it('state lost: publishes everything, then writes a fresh state', async () => {
    await runSweep(s3Store(), T0);
    const all = importCount();
    fake.objects.clear();
    await runSweep(s3Store(), new Date(T0.getTime() + 3600 * 1000));
    expect(importCount()).toBe(2 * all);
    expect(fake.objects.has(`${BUCKET}/${stateKey(SCOPE)}`)).toBe(true);
  });

  it('state unreadable (not gzip JSON): publishes everything', async () => {
    await runSweep(s3Store(), T0);
    const all = importCount();
    fake.objects.set(`${BUCKET}/${stateKey(SCOPE)}`, Buffer.from('{"this is": "not the state"'));
    await runSweep(s3Store(), new Date(T0.getTime() + 3600 * 1000));
    expect(importCount()).toBe(2 * all);
  });

  it('state says published but the finding was deleted in Security Hub: republished at its refresh age at the latest', async () => {
    await runSweep(s3Store(), T0);
    const id = `imds-guard/${REGION}/${SCOPE.account}/instance/${instanceId(3)}/imdsv2`;
    fake.findings.delete(id);
    await runSweep(s3Store(), new Date(T0.getTime() + DAY_MS));
    expect(fake.findings.has(id)).toBe(false); // the state cannot know yet
    const due = refreshAgeMs(`${SCOPE.account}/${SCOPE.region}/instance/${instanceId(3)}`, 30);
    await runSweep(s3Store(), new Date(T0.getTime() + Math.ceil(due / (6 * 3600 * 1000)) * 6 * 3600 * 1000));
    expect(fake.findings.get(id)?.RecordState).toBe('ACTIVE');
  });

  it('without a state bucket, a finding deleted in Security Hub is republished at the next sweep', async () => {
    const store = (): PublishedStore => securityHubReadBack(clients.securityHub, SCOPE);
    await runSweep(store(), T0);
    const id = `imds-guard/${REGION}/${SCOPE.account}/instance/${instanceId(3)}/imdsv2`;
    fake.findings.delete(id);
    await runSweep(store(), new Date(T0.getTime() + 3600 * 1000));
    expect(fake.findings.get(id)?.imports).toBe(1);
  });

  it('findings the events function published since the state was saved are not imported again', async () => {
    await runSweep(s3Store(), T0);
    fake.setInstanceTokens(1, 'optional');
    // The events function publishes the change (publisher "event"), after the state was saved.
    const later = new Date(T0.getTime() + 3600 * 1000);
    const events = createSecurityHubSink(clients.securityHub, { ...SCOPE, sleep: noSleep, now: () => later });
    const deps = detectDeps(clients);
    const { runPipeline } = await import('../../shared/engine/pipeline.js');
    const result = await runPipeline([{ kind: 'instance', id: instanceId(1), ...SCOPE }], { ...deps, findings: events });
    expect(result.findings?.published).toBe(2);
    const before = importCount();
    fake.reset();
    await runSweep(s3Store(), new Date(T0.getTime() + 6 * 3600 * 1000));
    expect(importCount()).toBe(before);
    expect(fake.calls.get('securityhub:GetFindings')).toBe(1);
  });

  it('archives a resource that is gone from the state, without listing every finding', async () => {
    await runSweep(s3Store(), T0);
    // A resource from an earlier life of the estate, known to the state.
    const ghost = instanceId(1_000_001);
    const key = `${BUCKET}/${stateKey(SCOPE)}`;
    const decoded = decodeState(fake.objects.get(key) as Buffer, SCOPE);
    if ('error' in decoded) throw new Error(decoded.error);
    decoded.entries.set(`imds-guard/${REGION}/${SCOPE.account}/instance/${ghost}/imdsv2`, { fp: 'x', at: T0.getTime() });
    fake.objects.set(key, encodeState(decoded.entries, SCOPE, decoded.savedAt));
    fake.reset();
    const summary = await runSweep(s3Store(), new Date(T0.getTime() + 3600 * 1000));
    expect(summary.archived).toBe(2);
    expect(fake.findings.get(`imds-guard/${REGION}/${SCOPE.account}/instance/${ghost}/imdsv2`)?.RecordState).toBe('ARCHIVED');
    expect(fake.calls.get('securityhub:GetFindings')).toBe(1); // the read-back of others' findings only
  });
});

describe('IMDS_GUARD_FINDING_REFRESH_DAYS', () => {
  it('defaults to 30 and refuses ages Security Hub would not keep a finding for', () => {
    expect(refreshDaysFromEnv({})).toBe(30);
    expect(refreshDaysFromEnv({ IMDS_GUARD_FINDING_REFRESH_DAYS: '7' })).toBe(7);
    expect(() => refreshDaysFromEnv({ IMDS_GUARD_FINDING_REFRESH_DAYS: '90' })).toThrow(/1 to 80/);
    expect(() => refreshDaysFromEnv({ IMDS_GUARD_FINDING_REFRESH_DAYS: 'soon' })).toThrow();
  });
});
