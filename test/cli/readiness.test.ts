import { afterEach, describe, expect, it } from 'vitest';
import type { ScanReport } from '../../cli/scan.js';
import { instance, mockEstate, restore, run, smallEstate, type Mocks } from './harness.js';

let mocks: Mocks | undefined;
afterEach(() => {
  if (mocks) restore(mocks);
  mocks = undefined;
});

/** An estate with the cases the readiness label used to get wrong. */
function estate() {
  const e = smallEstate();
  e.instances.push(instance('i-0aaaaaaaaaaaaaaa1', { name: 'hop3', tokens: 'required', hop: 3 }));
  e.instances.push(instance('i-0aaaaaaaaaaaaaaa2', { name: 'hop3-optional', tokens: 'optional', hop: 3 }));
  const off = instance('i-0aaaaaaaaaaaaaaa3', { name: 'imds-off', tokens: 'optional' });
  off.MetadataOptions = { ...off.MetadataOptions, HttpEndpoint: 'disabled' };
  e.instances.push(off);
  e.usage['i-0aaaaaaaaaaaaaaa2'] = [0, 0, 0];
  return e;
}

async function scanJson(env: Record<string, string> = {}, argv: string[] = []): Promise<ScanReport> {
  const r = await run(['scan', '--output', 'json', ...argv], { env });
  return JSON.parse(r.stdout) as ScanReport;
}

describe('readiness labels name the gate that really decides', () => {
  it('hop limit 3 with IMDSv2 required: hop-limit-kept (lowering off), not usage-unknown', async () => {
    mocks = mockEstate({ 'us-east-1': estate() });
    const report = await scanJson();
    const row = report.rows.find((r) => r.id === 'i-0aaaaaaaaaaaaaaa1');
    expect(row).toMatchObject({ compliance: 'NON_COMPLIANT', readiness: 'hop-limit-kept' });
    expect(row?.readinessReason).toContain('hop limit 3 is above the ceiling 2');
    expect(row?.readinessReason).toContain('IMDS_GUARD_LOWER_HOP_LIMIT=true');
    // With lowering on, the hop-limit-only change is ready although it has no usage datapoints:
    // the IMDSv1 usage gates are about HttpTokens, which does not change.
    const lowering = await scanJson({ IMDS_GUARD_LOWER_HOP_LIMIT: 'true' });
    const lowered = lowering.rows.find((r) => r.id === 'i-0aaaaaaaaaaaaaaa1');
    expect(lowered?.readiness).toBe('ready');
    expect(lowered?.readinessReason).toBe('fix would lower the hop limit (hop limit lowered from 3 to 2; HttpTokens is already required)');
  });

  it('hop limit 3 with IMDSv1 allowed and no IMDSv1 calls: ready, and the reason says the hop limit stays', async () => {
    mocks = mockEstate({ 'us-east-1': estate() });
    const row = (await scanJson()).rows.find((r) => r.id === 'i-0aaaaaaaaaaaaaaa2');
    expect(row?.readiness).toBe('ready');
    expect(row?.readinessReason).toBe('fix would set HttpTokens=required (hop limit kept at 3 (above the ceiling 2, lowering is off))');
  });

  it('a disabled metadata endpoint says so, in the table too', async () => {
    mocks = mockEstate({ 'us-east-1': estate() });
    const row = (await scanJson()).rows.find((r) => r.id === 'i-0aaaaaaaaaaaaaaa3');
    expect(row).toMatchObject({ compliance: 'COMPLIANT', readiness: 'endpoint-disabled', httpEndpoint: 'disabled' });
    expect(row?.readinessReason).toContain('metadata endpoint disabled');
    const table = await run(['scan', '--kind', 'instance']);
    const lines = table.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('i-0aaaaaaaaaaaaaaa3'));
    expect(lines[at]).toMatch(/imds-off\s+optional\s+1\s+-\s+endpoint-disabled$/);
    expect(lines[at + 1]).toContain('metadata endpoint disabled: IMDS is off');
    const hop = lines.findIndex((l) => l.includes('i-0aaaaaaaaaaaaaaa1'));
    expect(lines[hop]).toMatch(/hop-limit-kept$/);
  });

  it('every label has a reason in CLI words, never the Lambdas\' (mode, environment switch for usage)', async () => {
    mocks = mockEstate({ 'us-east-1': estate() });
    const report = await scanJson();
    for (const row of report.rows) {
      if (row.readiness !== 'compliant') expect(row.readinessReason, row.id).not.toBe('');
      expect(row.readinessReason, row.id).not.toMatch(/detect mode|findings only|IMDS_GUARD_USAGE_UNKNOWN|^Not remediated/);
    }
    expect(report.rows.find((r) => r.id === 'i-0c3d4e5f607182930')?.readinessReason).toContain('`imds-guard fix --override-usage-unknown` fixes it anyway');
    expect(report.rows.find((r) => r.id === 'i-0a1b2c3d4e5f60718')?.readinessReason).toMatch(/^42 IMDSv1 calls in 14 days, last 2026-04-29T12:00:00Z: update that software/);
    expect(report.rows.find((r) => r.id === 'i-0d4e5f60718293041')?.readinessReason).toBe('tagged imds-guard:exempt=vendor appliance: fix never changes it');
  });

  it('a kind left out by IMDS_GUARD_REMEDIATE is kind-off; naming it with --kind brings it back, as in fix', async () => {
    mocks = mockEstate({ 'us-east-1': estate() });
    const off = await scanJson({ IMDS_GUARD_REMEDIATE: 'instance' });
    const lt = off.rows.find((r) => r.id === 'lt-0123456789abcdef0');
    expect(lt?.readiness).toBe('kind-off');
    expect(lt?.readinessReason).toContain('`imds-guard fix --kind launch-template` includes them');
    expect(off.summary.find((s) => s.kind === 'launch-template')?.held).toBe(1);
    const named = await scanJson({ IMDS_GUARD_REMEDIATE: 'instance' }, ['--kind', 'launch-template']);
    expect(named.rows.find((r) => r.id === 'lt-0123456789abcdef0')?.readiness).toBe('ready');
  });

  it('the summary counts held-back resources (only non-compliant ones)', async () => {
    mocks = mockEstate({ 'us-east-1': estate() });
    const report = await scanJson();
    // hop3 is held (hop-limit-kept); imds-off is compliant, so not held.
    expect(report.summary.find((s) => s.kind === 'instance')).toMatchObject({ total: 8, nonCompliant: 5, held: 1 });
  });
});
