import { describe, expect, it } from 'vitest';
import { compareRows, HtmlRows } from '../../../cli/format/html-rows.js';
import { READINESS } from '../../../cli/readiness.js';
import type { Row } from '../../../cli/scan.js';

/** Rows of every verdict and readiness, in a scrambled order. */
function rows(count: number): Row[] {
  const verdicts: Row['compliance'][] = ['NON_COMPLIANT', 'COMPLIANT', 'NOT_APPLICABLE'];
  const controls = [['EC2.8'], ['EC2.170'], ['instance-hop-limit'], []];
  return Array.from({ length: count }, (_, i) => {
    const n = (i * 7919) % count;
    return {
      account: String(111100000000 + (n % 3)),
      region: ['eu-west-1', 'us-east-1'][n % 2] as string,
      kind: 'instance',
      id: `i-${String(n).padStart(17, '0')}`,
      compliance: verdicts[n % 3] as Row['compliance'],
      controls: controls[n % 4] as string[],
      reason: '',
      autoScalingGroups: [],
      readiness: READINESS[n % READINESS.length] as Row['readiness'],
      readinessReason: '',
    };
  });
}

describe('HtmlRows', () => {
  it('keeps the first `cap` rows in report order and counts every row', () => {
    const all = rows(1000);
    const capped = HtmlRows.of(['instance'], all, 37);
    const whole = HtmlRows.of(['instance'], all);
    expect(capped.shown()).toEqual([...all].sort(compareRows).slice(0, 37));
    expect(capped.total).toBe(1000);
    expect(capped.omitted).toBe(963);
    expect(whole.omitted).toBe(0);
    // Every count is the same whether rows are listed or not.
    expect(capped.organization()).toEqual(whole.organization());
    expect(capped.controlLines()).toEqual(whole.controlLines());
    for (const x of READINESS) expect(capped.readiness(x)).toBe(all.filter((r) => r.readiness === x).length);
    for (const a of whole.accountNames()) expect(capped.account(a)).toEqual(whole.account(a));
    expect(whole.organization().failing).toBe(all.filter((r) => r.compliance === 'NON_COMPLIANT').length);
  });

  it('a cap of 0 lists nothing and still counts', () => {
    const none = HtmlRows.of(['instance'], rows(10), 0);
    expect(none.shown()).toEqual([]);
    expect(none.total).toBe(10);
  });
});
