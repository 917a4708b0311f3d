import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { PlanSpool, type SpooledPlan } from '../../../cli/org/spool.js';

function plan(n: number, name: string): SpooledPlan {
  return {
    account: String(100000000000 + n),
    region: 'eu-west-1',
    compliant: n,
    rows: [{ account: String(100000000000 + n), region: 'eu-west-1', kind: 'instance', id: `i-${n}`, name, action: 'require-imdsv2', status: 'planned', message: 'Will set HttpTokens=required.', blockedBy: [] }],
    toFix: [{ account: String(100000000000 + n), region: 'eu-west-1', kind: 'instance', id: `i-${n}` }],
    errors: [],
    succeeded: 5,
  };
}

describe('PlanSpool', () => {
  it('gives back every plan added, in order, whatever the size of a line and its characters', async () => {
    const spool = await PlanSpool.create();
    // Names of several-byte characters long enough that lines cross the 64 KiB read chunks.
    const plans = Array.from({ length: 40 }, (_, n) => plan(n, `東京のサーバー-${'ü'.repeat(n * 700)}`));
    await Promise.all(plans.map((p) => spool.add(p)));
    const read: SpooledPlan[] = [];
    for await (const p of spool.plans()) read.push(p);
    expect(read).toEqual(plans);
    await spool.dispose();
  });

  it('lives in its own directory under the temporary directory, removed by dispose', async () => {
    const before = new Set((await readdir(tmpdir())).filter((n) => n.startsWith('imds-guard-fix-')));
    const spool = await PlanSpool.create();
    const created = (await readdir(tmpdir())).filter((n) => n.startsWith('imds-guard-fix-') && !before.has(n));
    expect(created).toHaveLength(1);
    await spool.add(plan(1, 'x'));
    await spool.dispose();
    expect((await readdir(tmpdir())).filter((n) => created.includes(n))).toEqual([]);
  });
});
