import { afterEach, describe, expect, it } from 'vitest';
import { DescribeInstancesCommand, GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { NotAwsReplyError } from '../../shared/errors.js';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { ScanReport } from '../../cli/scan.js';
import { awsError, credentialsError } from '../support/aws-errors.js';
import { ACCOUNT, instance, migratedEstate, mockEstate, restore, run, smallEstate, type Mocks } from './harness.js';

let mocks: Mocks | undefined;
afterEach(() => {
  if (mocks) restore(mocks);
  mocks = undefined;
});

const denied = { refuse: 'denied' } as const;

describe('imds-guard scan', () => {
  it('prints an 80-column table with verdicts, reasons, usage and readiness, exit 1 on findings', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const r = await run(['scan', '--region', 'us-east-1']);
    expect(r.code).toBe(1);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(r.stdout).toContain(`account ${ACCOUNT}`);
    expect(r.stdout).toMatch(/i-0a1b2c3d4e5f60718\s+web-1\s+optional\s+1\s+42\s+uses-imdsv1/);
    expect(r.stdout).toMatch(/i-0b2c3d4e5f6071829\s+api-2\s+optional\s+2\s+0\s+ready/);
    expect(r.stdout).toMatch(/i-0c3d4e5f607182930\s+batch-nightly\s+optional\s+1\s+\?\s+usage-unknown/);
    expect(r.stdout).toMatch(/i-0d4e5f60718293041\s+.*exempt/);
    expect(r.stdout).toMatch(/i-0e5f6071829304152\s+secure-db\s+required\s+1\s+-\s+compliant/);
    expect(r.stdout).toContain('EC2.8: HttpTokens=optional');
    expect(r.stdout).toContain('profile web-role · group web-asg');
    expect(r.stdout).toMatch(/lt-0123456789abcdef0\s+web-template\s+optional/);
    expect(r.stdout).toContain('used by web-asg ($Default)');
    expect(r.stdout).toMatch(/legacy-workers-2019\s+unset/);
    expect(r.stdout).toContain('used by workers');
    expect(r.stdout).toMatch(/us-east-1\s+instances\s+5\s+3\s+1\s+1\s+1\s+1/);
    // Both Auto Scaling groups launch IMDSv1 instances (web-asg from web-template $Default, workers from the configuration).
    expect(r.stdout).toMatch(/web-asg\s+optional/);
    expect(r.stdout).toContain('8 non-compliant resources of 11');
    // Read-only: a scan never writes.
    expect(mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
    // Usage is looked up in one GetMetricData call for the three non-compliant instances, and the
    // account-region's IMDSv1 use for the stage in one more: a single SEARCH query.
    const usageCalls = mocks.cloudWatch.commandCalls(GetMetricDataCommand);
    expect(usageCalls).toHaveLength(2);
    const queries = usageCalls.map((c) => c.args[0].input.MetricDataQueries ?? []);
    expect(queries.map((q) => q.length).sort()).toEqual([1, 3]);
    expect(queries.find((q) => q.length === 1)?.[0]?.Expression).toMatch(/^SEARCH\('\{AWS\/EC2,InstanceId\} MetricName="MetadataNoToken"'/);
    // The account default's row says the stage: IMDSv1 calls were seen and launch paths allow IMDSv1.
    expect(r.stdout).toMatch(/stage exposed \(\d+ blockers\)/);
    // The groups are listed once: the auto-scaling-group kind's listing also fills the "used by" column.
    expect(mocks.autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(1);
    expect(r.stderr).toBe(''); // not a TTY: no progress
  });

  it('without the group kind, lists the groups once for the "used by" column', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const r = await run(['scan', '--kind', 'launch-template,launch-configuration', '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.rows.find((x) => x.id === 'lt-0123456789abcdef0')?.autoScalingGroups).toEqual(['web-asg ($Default)']);
    expect(report.rows.find((x) => x.id === 'legacy-workers-2019')?.autoScalingGroups).toEqual(['workers']);
    expect(report.rows.some((x) => x.kind === 'auto-scaling-group')).toBe(false);
    expect(mocks.autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(1);
  });

  it('a denied group listing leaves "used by" empty, says so, and keeps the rows', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    mocks.autoScaling.on(DescribeAutoScalingGroupsCommand).rejects(awsError('AutoScaling', 'AccessDenied', 'User is not authorized to perform: autoscaling:DescribeAutoScalingGroups'));
    const r = await run(['scan', '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.rows.find((x) => x.id === 'lt-0123456789abcdef0')?.autoScalingGroups).toEqual([]);
    expect(report.rows.filter((x) => x.kind === 'instance')).toHaveLength(5);
    expect(report.regions[0]).toMatchObject({ region: 'us-east-1', status: 'partial' });
    expect(report.regions[0]?.errors.map((e) => e.scope)).toEqual(['auto-scaling-group']);
    expect(r.code).toBe(1);
  });

  it('an endpoint lacking one call (moto: GetInstanceMetadataDefaults answers a 500 page) loses only what needs it', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    mocks.ec2.on(GetInstanceMetadataDefaultsCommand).rejects(new NotAwsReplyError(500, 'text/html'));
    const r = await run(['scan', '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    // The account default, and the templates and the group whose unset options fall back to it, are unread; the rest is reported.
    expect(report.regions[0]).toMatchObject({ region: 'us-east-1', status: 'partial' });
    expect(report.regions[0]?.errors.map((e) => [e.scope, e.code])).toEqual([
      ['launch-template', 'NotAwsReply'],
      ['account-defaults', 'NotAwsReply'],
      ['auto-scaling-group', 'NotAwsReply'],
    ]);
    expect(report.rows.filter((x) => x.kind === 'instance')).toHaveLength(5);
    expect(report.rows.filter((x) => x.kind === 'launch-configuration').length).toBeGreaterThan(0);
  });

  it('a proxy page on the first call still stops the region: nothing there is AWS', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    mocks.ec2.on(DescribeInstancesCommand).rejects(new NotAwsReplyError(502, 'text/html'));
    const r = await run(['scan', '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.regions[0]?.status).toBe('failed');
    expect(report.regions[0]?.errors.map((e) => e.scope)).toEqual(['region']);
    expect(report.rows).toEqual([]);
  });

  it('exits 0 when everything is compliant', async () => {
    const estate = { ...smallEstate(), instances: [instance('i-0e5f6071829304152', { tokens: 'required' })], templates: [], launchConfigurations: [], groups: [] };
    mocks = mockEstate({ 'us-east-1': { ...estate, accountDefaults: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } } });
    const r = await run(['scan']);
    expect(r.stdout).toContain('0 non-compliant resources of 2');
    expect(r.code).toBe(0);
  });

  it('writes JSON with every row, the usage evidence and the summary', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const r = await run(['scan', '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.account).toBe(ACCOUNT);
    expect(report.rows).toHaveLength(11);
    const web = report.rows.find((x) => x.id === 'i-0a1b2c3d4e5f60718');
    expect(web).toMatchObject({
      kind: 'instance',
      compliance: 'NON_COMPLIANT',
      controls: ['EC2.8'],
      imdsv1Calls: 42,
      readiness: 'uses-imdsv1',
      instanceProfile: `arn:aws:iam::${ACCOUNT}:instance-profile/web-role`,
      autoScalingGroups: ['web-asg'],
    });
    expect(web?.readinessReason).toMatch(/42 IMDSv1 calls/);
    expect(report.rows.find((x) => x.id === 'i-0c3d4e5f607182930')?.imdsv1Calls).toBeNull();
    expect(report.rows.find((x) => x.id === 'legacy-workers-2019')).toMatchObject({ kind: 'launch-configuration', autoScalingGroups: ['workers'], readiness: 'ready' });
    expect(report.summary.find((s) => s.kind === 'instance')).toMatchObject({ total: 5, nonCompliant: 3, ready: 1, usesImdsv1: 1, usageUnknown: 1, exempt: 1 });
    expect(report.regions).toEqual([{ region: 'us-east-1', status: 'ok', errors: [] }]);
  });

  it('writes RFC 4180 CSV, defusing formulas in tag values', async () => {
    const estate = smallEstate();
    estate.instances.push(instance('i-0f60718293041526a', { name: '=HYPERLINK("http://evil","x"), "quoted"' }));
    mocks = mockEstate({ 'us-east-1': estate });
    const r = await run(['scan', '--format', 'csv']);
    const lines = r.stdout.split('\r\n');
    expect(lines[0]).toBe(
      'account,region,kind,id,name,state,compliance,controls,reason,http_tokens,hop_limit,http_endpoint,imdsv1_calls,last_imdsv1_call,instance_profile,auto_scaling_groups,readiness,readiness_reason,stage,blockers',
    );
    // The account default's row carries the stage and the number of blockers; other rows leave both empty.
    expect(lines.find((l) => l.includes(',account-defaults,'))).toMatch(/,exposed,\d+$/);
    expect(lines.find((l) => l.includes('i-0a1b2c3d4e5f60718'))).toMatch(/,,$/);
    expect(r.stdout.endsWith('\r\n')).toBe(true);
    expect(lines.find((l) => l.includes('i-0a1b2c3d4e5f60718'))).toMatch(/^111122223333,us-east-1,instance,i-0a1b2c3d4e5f60718,web-1,running,NON_COMPLIANT,EC2\.8,.*,optional,1,enabled,42,/);
    expect(r.stdout).toContain(`,"'=HYPERLINK(""http://evil"",""x""), ""quoted""",`);
    expect(lines.filter((l) => l.startsWith(ACCOUNT))).toHaveLength(12);
  });

  it('writes a self-contained HTML report with hostile values escaped', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate(), 'eu-west-1': denied });
    const r = await run(['scan', '--region', 'us-east-1', '--region', 'eu-west-1', '--out-file', 'report.html']);
    expect(r.stdout).toBe('');
    const html = r.files.get('report.html') ?? '';
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).not.toMatch(/\ssrc=|<link\b/i); // no external assets
    for (const [, url] of html.matchAll(/href="([^"]+)"/g)) expect(url).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//); // links only to AWS docs
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('i-0a1b2c3d4e5f60718');
    expect(html).toContain('uses-imdsv1');
    expect(html).toMatch(/<td>us-east-1<\/td><td>instances<\/td><td class="n">5<\/td>/);
    expect(html).toContain('eu-west-1</b> failed');
    expect(html).toContain('UnauthorizedOperation');
    expect(r.stderr).toContain('Wrote report.html');
    expect(r.stderr).toContain('warning: eu-west-1 failed: UnauthorizedOperation');
    expect(r.code).toBe(1);
  });

  it('goes on when one region is denied, lists the failure, exit 1', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate(), 'eu-west-1': denied });
    const r = await run(['scan', '--region', 'eu-west-1', '--region', 'us-east-1', '--kind', 'instance']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('eu-west-1 · FAILED, nothing could be read');
    expect(r.stdout).toContain('UnauthorizedOperation on DescribeInstances');
    expect(r.stdout).toMatch(/us-east-1\s+instances\s+5\s+3/);
    expect(r.stdout).toContain('1 region failed: eu-west-1');
    expect(r.stdout).not.toContain('launch templates');
  });

  it('exit 1 for a clean region beside a failed one; exit 2 when every region fails', async () => {
    const clean = { ...smallEstate(), instances: [instance('i-0e5f6071829304152', { tokens: 'required' })] };
    mocks = mockEstate({ 'us-east-1': clean, 'ap-east-1': { refuse: 'not-enabled' } });
    const partial = await run(['scan', '--region', 'us-east-1', '--region', 'ap-east-1', '--kind', 'instance']);
    expect(partial.code).toBe(1);
    expect(partial.stdout).toContain('opt-in region');
    const all = await run(['scan', '--region', 'ap-east-1']);
    expect(all.code).toBe(2);
  });

  it('--all-regions skips regions not opted in, with a message', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() }, [{ RegionName: 'af-south-1', OptInStatus: 'not-opted-in' }]);
    const r = await run(['scan', '--all-regions', '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.regions.map((x) => x.region)).toEqual(['us-east-1']);
    expect(report.skippedRegions).toEqual([{ region: 'af-south-1', reason: 'not opted in for this account' }]);
    expect(r.stderr).toContain('Skipping 1 region not opted in: af-south-1');
  });

  it('--exempt-tag and --lookback-days reach the engine', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const r = await run(['scan', '--kind', 'instance', '--exempt-tag', 'Name', '--lookback-days', '30', '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.lookbackDays).toBe(30);
    expect(report.rows.filter((x) => x.readiness === 'exempt')).toHaveLength(5);
    const input = mocks.cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input).toBeUndefined(); // everything exempt: no usage to look up
  });

  it('shows progress on stderr only when it is a terminal', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const tty = await run(['scan', '--kind', 'instance'], { stderrIsTTY: true });
    expect(tty.stderr).toContain('us-east-1: instances, page 1 (5)');
    const pipe = await run(['scan', '--kind', 'instance']);
    expect(pipe.stderr).toBe('');
    expect(mocks.ec2.commandCalls(DescribeInstancesCommand).length).toBeGreaterThan(0);
  });

  it('missing credentials: clear message, exit 2', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const error = credentialsError();
    mocks.sts.reset();
    mocks.sts.rejects(error);
    const r = await run(['scan']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no AWS credentials found');
    expect(r.stdout).toBe('');
  });
});

describe('imds-guard scan: a superseded launch configuration', () => {
  it('shows it as superseded with what replaced it, and the exit code ignores it', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    expect((await run(['scan', '--kind', 'launch-configuration'])).code).toBe(1);
    restore(mocks);

    mocks = mockEstate({ 'us-east-1': migratedEstate() });
    const report = JSON.parse((await run(['scan', '--kind', 'launch-configuration', '--output', 'json'])).stdout) as ScanReport;
    expect(report.rows).toMatchObject([{ id: 'legacy-workers-2019', compliance: 'NON_COMPLIANT', readiness: 'superseded', controls: ['AutoScaling.3'] }]);
    expect(report.rows[0]!.readinessReason).toBe(
      'superseded by launch template imds-guard-legacy-workers-2019 (lt-0aaaabbbbccccdddd); delete the configuration to clear AutoScaling.3',
    );
    const table = await run(['scan', '--kind', 'launch-configuration']);
    expect(table.stdout).toMatch(/legacy-workers-2019.*superseded/);
    expect(table.code).toBe(0);
    // Other kinds still count: the estate's instances and templates keep the exit code at 1.
    expect((await run(['scan'])).code).toBe(1);
  });
});
