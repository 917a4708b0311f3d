import { describe, expect, it } from 'vitest';
import type { FixRow } from '../../../cli/fix.js';
import { FixTally, ScanTally } from '../../../cli/org/tally.js';
import type { Row } from '../../../cli/scan.js';

const row = (account: string, region: string, kind: Row['kind'], compliance: Row['compliance'], readiness: Row['readiness']): Row => ({
  account,
  region,
  kind,
  id: `${kind}-${account}-${region}`,
  compliance,
  controls: [],
  reason: '',
  autoScalingGroups: [],
  readiness,
  readinessReason: '',
});

describe('ScanTally', () => {
  it('keeps per account-region counts in report order whatever order they finish in; open findings exclude superseded ones', () => {
    const tally = new ScanTally(['111', '222'], ['us-east-1', 'eu-west-1'], ['instance', 'launch-configuration']);
    tally.add('222', 'eu-west-1', [row('222', 'eu-west-1', 'launch-configuration', 'NON_COMPLIANT', 'superseded')], { region: 'eu-west-1', status: 'ok', errors: [] });
    tally.add('111', 'eu-west-1', [], { region: 'eu-west-1', status: 'failed', errors: [{ scope: 'region', message: 'denied' }] });
    tally.add('111', 'us-east-1', [row('111', 'us-east-1', 'instance', 'NON_COMPLIANT', 'ready'), row('111', 'us-east-1', 'instance', 'COMPLIANT', 'compliant')], {
      region: 'us-east-1',
      status: 'ok',
      errors: [],
    });
    expect(tally.entries().map((e) => `${e.account} ${e.region} ${e.status.status}`)).toEqual(['111 us-east-1 ok', '111 eu-west-1 failed', '222 eu-west-1 ok']);
    expect(tally.regionStatuses().every((s) => s.account !== undefined)).toBe(true);
    expect(tally.summary().map((s) => [s.account, s.region, s.kind, s.total, s.nonCompliant])).toEqual([
      ['111', 'us-east-1', 'instance', 2, 1],
      ['111', 'us-east-1', 'launch-configuration', 0, 0],
      ['111', 'eu-west-1', 'instance', 0, 0],
      ['111', 'eu-west-1', 'launch-configuration', 0, 0],
      ['222', 'eu-west-1', 'instance', 0, 0],
      ['222', 'eu-west-1', 'launch-configuration', 1, 1],
    ]);
    expect(tally.byAccount().get('111')).toMatchObject({ total: 2, nonCompliant: 1, ready: 1, compliant: 1 });
    expect(tally.total()).toMatchObject({ total: 3, nonCompliant: 2 });
    expect(tally.open).toBe(1);
  });
});

describe('FixTally', () => {
  const fixRow = (status: FixRow['status']): FixRow => ({ account: '1', region: 'r', kind: 'instance', id: 'i', action: 'x', status, message: '', blockedBy: [] });

  it('totals by status, what the question asks about, and the rows left', () => {
    const tally = new FixTally(['111', '222'], ['us-east-1', 'eu-west-1']);
    const ok = { region: 'x', status: 'ok' as const, errors: [] };
    tally.add('111', 'us-east-1', [fixRow('planned'), fixRow('skipped')], 3, ok, 1);
    tally.add('111', 'eu-west-1', [fixRow('remediated'), { ...fixRow('remediated'), verifiedCompliance: 'NON_COMPLIANT' }], 0, ok, 2);
    tally.add('222', 'us-east-1', [fixRow('superseded')], 1, ok, 0);
    expect(tally.totals()).toEqual({ byStatus: { planned: 1, skipped: 1, remediated: 2, failed: 0, superseded: 1 }, compliant: 4 });
    expect(tally.pending()).toEqual({ changes: 3, regions: 2, accounts: 1 });
    // Left: the planned and skipped rows and the change that did not verify.
    expect(tally.left).toBe(3);
  });
});
