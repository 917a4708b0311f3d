import { describe, expect, it } from 'vitest';
import { parseCli } from '../../cli/args/parse.js';
import { run } from './harness.js';

describe('guardrails', () => {
  it('prints both documents, or one with --policy, straight from infra/guardrails', async () => {
    const { imdsV2Scp, imdsDefaultsDeclarativePolicy } = await import('../../infra/guardrails.js');
    const both = await run(['guardrails']);
    expect(both.code).toBe(0);
    expect(JSON.parse(both.stdout)).toEqual({ serviceControlPolicy: imdsV2Scp(), declarativePolicy: imdsDefaultsDeclarativePolicy() });
    const scp = await run(['guardrails', '--policy', 'scp', '--exempt-principal', 'arn:aws:iam::*:role/BreakGlass']);
    expect(JSON.parse(scp.stdout)).toEqual(imdsV2Scp({ exemptPrincipalArns: ['arn:aws:iam::*:role/BreakGlass'] }));
    expect(scp.stdout).toContain('BreakGlass');
  });
});

describe('guardrails --http-tokens-enforced', () => {
  it('is an opt-in flag', () => {
    const on = parseCli(['guardrails', '--http-tokens-enforced']);
    expect(on).toMatchObject({ action: 'run', options: { command: 'guardrails', httpTokensEnforced: true } });
    expect(parseCli(['guardrails'])).not.toMatchObject({ options: { httpTokensEnforced: true } });
  });
});
