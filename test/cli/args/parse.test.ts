import { describe, expect, it } from 'vitest';
import { DEFAULT_MEMBER_ROLE } from '../../../cli/args/options.js';
import { parseCli } from '../../../cli/args/parse.js';
import { MEMBER_ROLE_NAME } from '../../../infra/names.js';
import { run } from '../harness.js';

describe('arguments', () => {
  it('--version', async () => {
    const r = await run(['--version']);
    expect(r.stdout).toMatch(/^imds-guard \d+\.\d+\.\d+/);
    expect(r.code).toBe(0);
  });

  it.each([
    [[], 'no command given'],
    [['scna'], 'unknown command "scna"'],
    [['scan', '--regoin', 'us-east-1'], "scan: Unknown option '--regoin'"],
    [['scan', '--region', 'mars-1'], 'not a region name'],
    [['scan', '--region', 'us-east-1', '--all-regions'], 'either --region or --all-regions'],
    [['scan', '--kind', 'vpc'], '--kind "vpc" is not one of'],
    [['scan', '--format', 'xml'], '--format must be one of table, json, jsonl, csv, html'],
    [['scan', '--output', 'yaml'], '--output must be one of table, json, jsonl, csv, html'],
    [['scan', '--output', 'report.html'], '--output is the format (table, json, jsonl, csv, html), as in the AWS CLI; to write a file use --out-file report.html'],
    [['scan', '--output', 'json', '--format', 'csv'], '--output and --format are the same option'],
    [['scan', '--out-file', ''], '--out-file needs a file name'],
    [['scan', '--endpoint-url', 'localhost:4566'], '--endpoint-url must be an http:// or https:// URL'],
    [['scan', '--endpoint-url', 'ftp://x'], '--endpoint-url must be an http:// or https:// URL'],
    [['scan', '--request-timeout', '5s'], '--request-timeout must be a whole number of milliseconds from 100 to 600000'],
    [['scan', '--request-timeout', '50'], '--request-timeout must be'],
    [['guardrails', '--output', 'csv'], '--output must be one of json'],
    [['scan', '--lookback-days', '0'], '--lookback-days must be a whole number from 1 to 455'],
    [['scan', '--lookback-days', '3.5'], '--lookback-days'],
    [['fix', '--format', 'csv'], '--format must be one of table, json, jsonl'],
    [['fix', '--output', 'html'], '--output must be one of table, json'],
    [['fix', '--dry-run', '--yes'], 'contradict'],
    [['guardrails', '--policy', 'iam'], '--policy must be scp or declarative'],
    [['scan', 'extra'], 'unexpected argument "extra"'],
  ])('%j → exit 2, one line and a hint', async (argv, message) => {
    const r = await run(argv as string[]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^imds-guard: /);
    expect(lines[0]).toContain(message);
    const command = ['scan', 'fix', 'guardrails'].find((c) => c === (argv as string[])[0]);
    expect(lines[1]).toBe(command ? `Try 'imds-guard ${command} --help' for more information.` : "Try 'imds-guard --help' for more information.");
    expect(r.stderr).not.toContain('Usage:');
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

  it('parses repeatable and comma-separated values, infers the format from --out-file', () => {
    const parsed = parseCli(['scan', '--region', 'eu-west-1,us-east-1', '--region', 'eu-west-1', '--kind', 'instance', '--out-file', 'out.CSV']);
    expect(parsed).toMatchObject({
      action: 'run',
      options: { command: 'scan', regions: ['eu-west-1', 'us-east-1'], kinds: ['instance'], explicitKinds: true, format: 'csv', outFile: 'out.CSV' },
    });
  });

  it('--output is the format as in the AWS CLI; --format and -f are aliases; --out-file / --output-file name the file', () => {
    const options = (argv: string[]) => {
      const p = parseCli(argv);
      if (p.action !== 'run' || p.options.command !== 'scan') throw new Error('not a scan');
      return { format: p.options.format, outFile: p.options.outFile };
    };
    expect(options(['scan'])).toEqual({ format: 'table', outFile: undefined });
    expect(options(['scan', '--output', 'json'])).toEqual({ format: 'json', outFile: undefined });
    expect(options(['scan', '--output=csv'])).toEqual({ format: 'csv', outFile: undefined });
    expect(options(['scan', '--format', 'html'])).toEqual({ format: 'html', outFile: undefined });
    expect(options(['scan', '-f', 'json'])).toEqual({ format: 'json', outFile: undefined });
    expect(options(['scan', '--output', 'json', '--format', 'json'])).toEqual({ format: 'json', outFile: undefined });
    expect(options(['scan', '--out-file', 'r.html'])).toEqual({ format: 'html', outFile: 'r.html' });
    expect(options(['scan', '--output-file', 'r.htm'])).toEqual({ format: 'html', outFile: 'r.htm' });
    expect(options(['scan', '--output', 'json', '--out-file', 'r.txt'])).toEqual({ format: 'json', outFile: 'r.txt' });
    // The explicit format wins over the file's extension.
    expect(options(['scan', '--output', 'csv', '--out-file', 'r.json'])).toEqual({ format: 'csv', outFile: 'r.json' });
    expect(options(['scan', '--out-file', 'report'])).toEqual({ format: 'table', outFile: 'report' });
    expect(options(['scan', '--out-file', 'rows.JSONL'])).toEqual({ format: 'jsonl', outFile: 'rows.JSONL' });
    expect(options(['scan', '--output', 'jsonl'])).toEqual({ format: 'jsonl', outFile: undefined });
  });

  it('connection flags: --endpoint-url, --request-timeout, --debug, --profile', () => {
    const p = parseCli(['fix', '--dry-run', '--endpoint-url', 'http://localhost:4566', '--request-timeout', '2500', '--debug', '--profile', 'audit']);
    expect(p).toMatchObject({ action: 'run', options: { command: 'fix', endpointUrl: 'http://localhost:4566', requestTimeoutMs: 2500, debug: true, profile: 'audit' } });
    expect(DEFAULT_MEMBER_ROLE).toBe(MEMBER_ROLE_NAME); // the role the member stack creates
    const plain = parseCli(['scan']);
    expect(plain).toMatchObject({ action: 'run', options: { debug: false } });
    if (plain.action === 'run' && plain.options.command === 'scan') {
      expect(plain.options.endpointUrl).toBeUndefined();
      expect(plain.options.requestTimeoutMs).toBeUndefined();
    }
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
    expect(DEFAULT_MEMBER_ROLE).toBe(MEMBER_ROLE_NAME); // the role the member stack creates
    const plain = parseCli(['scan']);
    expect(plain.action === 'run' && plain.options.command === 'scan' && plain.options.org).toBeUndefined();
    // The HTML report of an organization lists 5,000 resources unless told otherwise.
    expect(plain.action === 'run' && plain.options.command === 'scan' && plain.options.htmlRows).toBe(5000);
    const html = parseCli(['scan', '--org', '--out-file', 'org.htm', '--html-rows', '250']);
    expect(html.action === 'run' && html.options.command === 'scan' && [html.options.format, html.options.htmlRows]).toEqual(['html', 250]);
  });

  it('parses doctor: regions, --stack-name, format, --org', () => {
    const p = parseCli(['doctor', '--all-regions', '--stack-name', 'imds-guard', '--format', 'json', '--org', '--ou', 'r-ab12']);
    expect(p).toMatchObject({ action: 'run', options: { command: 'doctor', allRegions: true, stackName: 'imds-guard', format: 'json', org: { ous: ['r-ab12'] } } });
  });

  it('doctor takes the shared output and connection flags: --output is the format, --out-file the file, --debug, --endpoint-url', () => {
    const p = parseCli(['doctor', '--region', 'eu-west-1', '--out-file', 'doctor.json', '--debug', '--endpoint-url', 'http://localhost:4566', '--profile', 'audit']);
    expect(p).toMatchObject({
      action: 'run',
      options: { command: 'doctor', regions: ['eu-west-1'], format: 'json', outFile: 'doctor.json', debug: true, endpointUrl: 'http://localhost:4566', profile: 'audit' },
    });
    expect(parseCli(['doctor', '--output', 'table', '--out-file', 'd.json'])).toMatchObject({ options: { format: 'table', outFile: 'd.json' } });
  });

  it.each([
    [['doctor', '--kind', 'instance'], "Unknown option '--kind'"],
    [['doctor', '--format', 'csv'], '--format must be one of table, json'],
    [['doctor', '--output', 'doctor.json'], 'to write a file use --out-file doctor.json'],
    [['doctor', '--stack-name', '1bad'], 'is not a CloudFormation stack name'],
    [['doctor', '--ou', 'r-ab12'], '--ou needs --org'],
    [['scan', '--org', '--accounts', '12345'], 'is not a 12-digit account id'],
    [['scan', '--org', '--role-name', 'a b'], 'is not an IAM role name'],
    [['fix', '--concurrency', '4'], '--concurrency needs --org'],
    [['scan', '--html-rows', '10', '--output', 'html'], '--html-rows needs --org'],
    [['scan', '--org', '--html-rows', '10'], '--html-rows only goes with --output html'],
    [['scan', '--org', '--out-file', 'r.html', '--html-rows', 'lots'], '--html-rows must be a whole number from 0 to 100000'],
    [['scan', '--org', '--output', 'html', '--html-rows', '100001'], '--html-rows must be a whole number from 0 to 100000'],
    [['fix', '--org', '--html-rows', '10'], "Unknown option '--html-rows'"],
    [['doctor', '--output', 'jsonl'], '--output must be one of table, json'],
  ])('%j is a usage error (exit 2): %s', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
