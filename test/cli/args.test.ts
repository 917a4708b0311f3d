import { describe, expect, it } from 'vitest';
import { csvField } from '../../cli/format/csv.js';
import { escapeHtml } from '../../cli/format/html.js';
import { wrap } from '../../cli/format/text.js';
import { parseCli } from '../../cli/args.js';
import { run } from './harness.js';

describe('arguments', () => {
  it('--help prints usage on stdout, exit 0, for every command', async () => {
    for (const argv of [['--help'], ['scan', '--help'], ['fix', '-h'], ['guardrails', '--help'], ['scan', '--bogus', '--help']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: imds-guard/);
    }
  });

  it('--version', async () => {
    const r = await run(['--version']);
    expect(r.stdout).toMatch(/^imds-guard \d+\.\d+\.\d+/);
    expect(r.code).toBe(0);
  });

  it.each([
    [[], 'no command given'],
    [['scna'], 'unknown command "scna"'],
    [['scan', '--regoin', 'us-east-1'], "Unknown option '--regoin'"],
    [['scan', '--region', 'mars-1'], 'not a region name'],
    [['scan', '--region', 'us-east-1', '--all-regions'], 'either --region or --all-regions'],
    [['scan', '--kind', 'vpc'], '--kind "vpc" is not one of'],
    [['scan', '--format', 'xml'], '--format must be one of table, json, csv, html'],
    [['scan', '--lookback-days', '0'], '--lookback-days must be a whole number from 1 to 455'],
    [['scan', '--lookback-days', '3.5'], '--lookback-days'],
    [['fix', '--format', 'csv'], '--format must be one of table, json'],
    [['fix', '--dry-run', '--yes'], 'contradict'],
    [['guardrails', '--policy', 'iam'], '--policy must be scp or declarative'],
    [['scan', 'extra'], 'unexpected argument "extra"'],
  ])('%j → exit 2 with usage', async (argv, message) => {
    const r = await run(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('Usage: imds-guard');
    expect(r.stdout).toBe('');
  });

  it('bad IMDS_GUARD_* settings are usage errors', async () => {
    const r = await run(['scan'], { env: { IMDS_GUARD_USAGE_LOOKBACK_DAYS: 'lots' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('IMDS_GUARD_USAGE_LOOKBACK_DAYS');
  });

  it('no region anywhere is a usage error', async () => {
    const r = await run(['scan'], { env: { AWS_REGION: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no region');
  });

  it('parses repeatable and comma-separated values, infers the format from --output', () => {
    const parsed = parseCli(['scan', '--region', 'eu-west-1,us-east-1', '--region', 'eu-west-1', '--kind', 'instance', '-o', 'out.CSV']);
    expect(parsed).toMatchObject({
      action: 'run',
      options: { command: 'scan', regions: ['eu-west-1', 'us-east-1'], kinds: ['instance'], format: 'csv', output: 'out.CSV' },
    });
  });
});

describe('format helpers', () => {
  it('csvField: RFC 4180 quoting and formula defusing', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    for (const f of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx']) expect(csvField(f).replace(/^"/, '')).toMatch(/^'/);
    expect(csvField(-1)).toBe('-1');
    expect(csvField(null)).toBe('');
  });

  it('escapeHtml escapes the five characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('wrap keeps lines within the width and breaks long words', () => {
    const lines = wrap(`${'word '.repeat(40)}${'x'.repeat(100)}`, 80, '    ');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines.join('').replace(/\s/g, '')).toBe(`${'word'.repeat(40)}${'x'.repeat(100)}`);
  });
});

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

describe('organization and doctor arguments', () => {
  it('parses --org with its defaults and its options', () => {
    const p = parseCli(['scan', '--org', '--region', 'us-east-1']);
    expect(p.action === 'run' && p.options.command === 'scan' && p.options.org).toEqual({ roleName: 'imds-guard-member', accounts: [], ous: [], concurrency: 8 });
    const q = parseCli(['fix', '--org', '--role-name', 'Audit', '--accounts', '111122223333,222233334444', '--ou', 'r-ab12', '--ou', 'ou-ab12-11111111', '--concurrency', '16', '--dry-run']);
    expect(q.action === 'run' && q.options.command === 'fix' && q.options.org).toEqual({
      roleName: 'Audit',
      accounts: ['111122223333', '222233334444'],
      ous: ['r-ab12', 'ou-ab12-11111111'],
      concurrency: 16,
    });
    const plain = parseCli(['scan']);
    expect(plain.action === 'run' && plain.options.command === 'scan' && plain.options.org).toBeUndefined();
  });

  it('parses doctor: regions, --stack-name, format, --org', () => {
    const p = parseCli(['doctor', '--all-regions', '--stack-name', 'imds-guard', '--format', 'json', '--org', '--ou', 'r-ab12']);
    expect(p).toMatchObject({ action: 'run', options: { command: 'doctor', allRegions: true, stackName: 'imds-guard', format: 'json', org: { ous: ['r-ab12'] } } });
  });

  it.each([
    [['doctor', '--kind', 'instance'], "Unknown option '--kind'"],
    [['doctor', '--format', 'csv'], '--format must be one of table, json'],
    [['doctor', '--stack-name', '1bad'], 'is not a CloudFormation stack name'],
    [['doctor', '--ou', 'r-ab12'], '--ou needs --org'],
    [['scan', '--org', '--accounts', '12345'], 'is not a 12-digit account id'],
    [['scan', '--org', '--role-name', 'a b'], 'is not an IAM role name'],
    [['fix', '--concurrency', '4'], '--concurrency needs --org'],
  ])('%j is a usage error (exit 2): %s', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
