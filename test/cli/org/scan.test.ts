import { afterEach, describe, expect, it, vi } from 'vitest';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { ScanReport } from '../../../cli/scan.js';
import { ACCOUNT, run } from '../harness.js';
import { DENIED, DEV, mockOrganization, restoreOrganization, oneInstance, PROD, SUSPENDED } from './organization.js';

afterEach(restoreOrganization);

describe('imds-guard scan --org', () => {
  it('scans every ACTIVE account with one AssumeRole each, lists the denied one with the reason, exit 1', async () => {
    const { mocks, org } = mockOrganization();
    const r = await run(['scan', '--org', '--region', 'us-east-1', '--region', 'eu-west-1', '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as ScanReport;

    // Exactly one AssumeRole per member account, whatever the number of regions; none for the caller's own account.
    const assumed = mocks.sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn);
    expect(assumed.sort()).toEqual([DEV, DENIED, PROD].map((a) => `arn:aws:iam::${a}:role/imds-guard/imds-guard-member`));
    expect(report.organization?.assumeRoleCalls).toBe(3);
    expect(org.commandCalls(ListAccountsCommand)).toHaveLength(2);

    const accounts = report.organization?.accounts ?? [];
    expect(accounts.map((a) => [a.account, a.via, a.status])).toEqual([
      [ACCOUNT, 'caller', 'ok'],
      [DEV, 'role', 'ok'],
      [DENIED, 'role', 'failed'],
      [PROD, 'role', 'partial'],
    ]);
    expect(accounts.find((a) => a.account === DENIED)?.error).toMatchObject({ code: 'AccessDenied', operation: 'AssumeRole' });
    expect(accounts.some((a) => a.account === SUSPENDED)).toBe(false);

    // Rows carry account, region, kind, id, verdict and readiness; each from its own account's estate.
    const dev = report.rows.filter((x) => x.account === DEV);
    expect(dev.map((x) => [x.region, x.kind, x.id, x.compliance, x.readiness])).toEqual([
      ['us-east-1', 'instance', 'i-0222222222222aa00', 'NON_COMPLIANT', 'ready'],
      ['us-east-1', 'account-defaults', DEV, 'COMPLIANT', 'compliant'],
      ['eu-west-1', 'instance', 'i-0222222222222eu00', 'NON_COMPLIANT', 'uses-imdsv1'],
      ['eu-west-1', 'account-defaults', DEV, 'COMPLIANT', 'compliant'],
    ]);
    expect(report.rows.filter((x) => x.account === ACCOUNT)).toHaveLength(9 + 2 + 2); // us-east-1 (9 + its 2 Auto Scaling groups), eu-west-1 (2)
    expect(report.rows.some((x) => x.account === DENIED)).toBe(false);
    expect(report.regions.find((x) => x.account === PROD && x.region === 'eu-west-1')?.status).toBe('failed');
    expect(report.summary.find((s) => s.account === DEV && s.region === 'eu-west-1' && s.kind === 'instance')).toMatchObject({ total: 1, usesImdsv1: 1 });
    expect(r.stderr).toContain(`${DENIED}: cannot assume arn:aws:iam::${DENIED}:role/imds-guard/imds-guard-member: AccessDenied`);
  });

  it('a section per account-region, the summary by account with totals per account and for the organization, 80 columns', async () => {
    mockOrganization();
    const r = await run(['scan', '--org', '--region', 'us-east-1', '--region', 'eu-west-1']);
    expect(r.code).toBe(1);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(r.stdout).toContain('organization, 4 accounts');
    // Sections come in the order account-regions finish; each names its account and region.
    const titles = r.stdout.split('\n').filter((l) => /^account \d{12}/.test(l));
    expect([...titles].sort()).toEqual(
      [
        `account ${ACCOUNT} (management) · own credentials · us-east-1`,
        `account ${ACCOUNT} (management) · own credentials · eu-west-1`,
        `account ${DEV} (dev) · us-east-1`,
        `account ${DEV} (dev) · eu-west-1`,
        `account ${DENIED} (sandbox) · FAILED`,
        `account ${PROD} (prod) · us-east-1`,
        `account ${PROD} (prod) · eu-west-1 · FAILED, nothing could be read`,
      ].sort(),
    );
    // The account that cannot be read is said before any region's rows.
    expect(titles[0]).toBe(`account ${DENIED} (sandbox) · FAILED`);
    expect(r.stdout).toMatch(/AccessDenied on AssumeRole/);
    expect(r.stdout.indexOf('Summary by account')).toBeGreaterThan(r.stdout.lastIndexOf('READINESS'));
    expect(r.stdout).toMatch(new RegExp(`${DEV}\\s+4\\s+2\\s+1\\s+1\\s`));
    expect(r.stdout).toMatch(new RegExp(`${DENIED}\\s+not read`));
    // Non-compliant: 9 (caller: 6 + its 2 Auto Scaling groups + the eu instance) + 2 (dev) + 1 (prod) of 13 + 4 + 2 resources.
    expect(r.stdout).toMatch(/organization\s+19\s+12\s/);
    expect(r.stdout).toMatch(new RegExp(`${PROD}\\s+PARTIAL\\s+2\\s+1\\s`));
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(`1 region failed: ${PROD} eu-west-1`);
    expect(r.stdout).toContain(`1 account not read: ${DENIED}`);
  });

  it('HTML has an account column and a summary by account (with the reason an account was not read); CSV rows carry their own account', async () => {
    mockOrganization();
    const html = await run(['scan', '--org', '--region', 'us-east-1', '--format', 'html']);
    expect(html.stdout).toContain('<h2>By account</h2>');
    expect(html.stdout).toContain('<th>Region</th><th>Account</th>'); // the resources table
    expect(html.stdout).toContain('IMDSv2 compliance · organization, 4 accounts');
    // The organization's total line: 8 + 1 + 1 non-compliant of 11 + 2 + 2 resources read in us-east-1.
    expect(html.stdout).toMatch(/<tr><td><b>organization<\/b><\/td><td><\/td><td><\/td><td><\/td>(<td class="n"><b>\d+<\/b><\/td>)*<td class="n"><b>10<\/b><\/td><td class="n"><b>15<\/b><\/td>/);
    expect(html.stdout).toContain(`<td><code>${DENIED}</code></td><td>sandbox</td>`);
    expect(html.stdout).toMatch(/failed: AccessDenied: User: arn:aws:sts::\d+:assumed-role\/SecurityAudit\/alice is not authorized/);
    expect(html.stdout).toContain('&lt;script&gt;'); // tag values still escaped
    expect(html.stdout).not.toContain('<script>alert');
    const csv = await run(['scan', '--org', '--region', 'us-east-1', '--format', 'csv']);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines.find((l) => l.includes('i-0222222222222aa00'))?.startsWith(`${DEV},us-east-1,instance,`)).toBe(true);
    expect(lines.find((l) => l.includes('i-0444444444444aa00'))?.startsWith(`${PROD},us-east-1,instance,`)).toBe(true);
  });

  it('a member session refused mid-run (expired: EC2 says RequestExpired) fails that account-region only', async () => {
    const { mocks } = mockOrganization({
      [DEV]: { 'us-east-1': { refuse: 'expired-session' } },
      [PROD]: { 'us-east-1': oneInstance('i-0444444444444aa00', [0, 0, 0]) },
    });
    mocks.sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
      const id = input.RoleArn.split(':')[4] ?? '';
      return { Credentials: { AccessKeyId: `ASIA${id}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2026-05-01T13:00:00Z') } };
    });
    const r = await run(['scan', '--org', '--accounts', `${DEV},${PROD}`, '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.organization?.accounts.map((a) => [a.account, a.status])).toEqual([
      [DEV, 'failed'],
      [PROD, 'ok'],
    ]);
    expect(report.regions.find((x) => x.account === DEV)?.errors[0]).toMatchObject({ code: 'RequestExpired' });
    expect(report.rows.some((x) => x.account === PROD)).toBe(true);
    expect(r.code).toBe(1);
  });
});

describe('scan --org writes as it goes', () => {
  const REGIONS = ['--region', 'us-east-1', '--region', 'eu-west-1'];
  const idOf = (line: string, format: 'jsonl' | 'csv'): string | undefined =>
    format === 'jsonl' ? (JSON.parse(line) as { id?: string }).id : line.split(',')[3];

  it.each([
    ['jsonl', []],
    ['csv', ['--out-file', 'org.csv']],
  ] as const)('%s: each account-region\'s rows are written when it finishes; one that does not answer holds back nobody else\'s', async (format, extra) => {
    const { mocks } = mockOrganization();
    const release = mocks.hold(DEV, 'us-east-1');
    let stdout = '';
    const files = new Map<string, string>();
    const running = run(['scan', '--org', ...REGIONS, '--output', format, ...extra], { onStdout: (t) => (stdout += t), files });
    const text = (): string => (extra.length > 0 ? (files.get('org.csv') ?? '') : stdout);
    const ids = (): string[] => text().split(/\r?\n/).filter((l) => (l.startsWith('{') && !l.startsWith('{"type":"summary"')) || /^\d{12},/.test(l)).map((l) => idOf(l, format) ?? '');
    // Every other account-region is written while DEV us-east-1 still has not answered.
    await vi.waitFor(() => expect(ids()).toEqual(expect.arrayContaining(['i-0444444444444aa00', 'i-0222222222222eu00', 'i-0111111111111eu00', 'i-0a1b2c3d4e5f60718'])), { timeout: 10_000 });
    expect(ids()).not.toContain('i-0222222222222aa00');
    if (format === 'jsonl') expect(text()).not.toContain('"type":"summary"');
    release();
    const r = await running;
    expect(r.code).toBe(1);
    const all = ids();
    expect(all).toContain('i-0222222222222aa00');
    expect(all).toHaveLength(19); // every row once: 11 + 2 (caller), 2 + 2 (dev), 2 (prod)
    if (format === 'jsonl') {
      const last = JSON.parse(text().trimEnd().split('\n').at(-1) ?? '{}') as { type?: string; organization?: { accounts: { account: string; status: string }[] } };
      expect(last.type).toBe('summary');
      expect(last.organization?.accounts.map((a) => [a.account, a.status])).toEqual([
        [ACCOUNT, 'ok'],
        [DEV, 'ok'],
        [DENIED, 'failed'],
        [PROD, 'partial'],
      ]);
    } else {
      expect(r.stderr).toContain('Wrote org.csv');
    }
  });
});

describe('scan --org --output html: a capped list of resources', () => {
  const listed = (html: string): string[] => [...html.matchAll(/<tr class="c-(\w+)">/g)].map((m) => m[1] ?? '');

  it('lists --html-rows resources, most severe first, counts all, and writes every row beside the file as JSON Lines', async () => {
    mockOrganization();
    const files = new Map<string, string>();
    const r = await run(['scan', '--org', '--region', 'us-east-1', '--output', 'html', '--html-rows', '3', '--out-file', 'out/org.html'], { files });
    const html = files.get('out/org.html') ?? '';
    // 11 (caller) + 2 (dev) + 2 (prod) resources in us-east-1; 3 listed, all of them failing.
    expect(listed(html)).toEqual(['NON_COMPLIANT', 'NON_COMPLIANT', 'NON_COMPLIANT']);
    expect(html).toContain('<span id="shown">3</span> of 3 shown');
    expect(html).toContain('<p class="note">This report lists 3 of 15 resources, the non-compliant and most severe first (<code>--html-rows</code>, default 5,000); every count in it covers all 15. Every resource is in <code>org.jsonl</code> beside this report, one JSON object per line.</p>');
    expect(html).toMatch(/<b>10 <small>of 15<\/small><\/b>resources non-compliant/);
    const lines = (files.get('out/org.jsonl') ?? '').trimEnd().split('\n');
    expect(lines).toHaveLength(15 + 1);
    expect(new Set(lines.slice(0, -1).map((l) => (JSON.parse(l) as { id: string }).id)).size).toBe(15);
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({ type: 'summary', command: 'scan' });
    expect(r.stderr).toContain('Wrote out/org.jsonl: every resource (15) as JSON Lines, beside the HTML report that lists 3');
    expect(r.stderr).toContain('Wrote out/org.html');
  });

  it('on stdout the note says how to get every row; under the cap there is no note and no file beside', async () => {
    mockOrganization();
    const capped = await run(['scan', '--org', '--region', 'us-east-1', '--output', 'html', '--html-rows', '0']);
    expect(listed(capped.stdout)).toEqual([]);
    expect(capped.stdout).toContain('This report lists 0 of 15 resources');
    expect(capped.stdout).toContain('scan with <code>--output jsonl</code>');
    const files = new Map<string, string>();
    const whole = await run(['scan', '--org', '--region', 'us-east-1', '--out-file', 'org.html'], { files });
    expect(listed(files.get('org.html') ?? '')).toHaveLength(15);
    expect(files.get('org.html')).not.toContain('class="note"');
    expect([...files.keys()]).toEqual(['org.html']);
    expect(whole.stderr).not.toContain('JSON Lines');
  });
});

describe('scan --org: the migration stage of each account-region', () => {
  it('the table lists every account-region read with its stage and blockers, most blockers first, and counts the stages', async () => {
    mockOrganization();
    const r = await run(['scan', '--org', '--region', 'us-east-1', '--region', 'eu-west-1']);
    const lines = r.stdout.split('\n');
    const start = lines.indexOf('Migration stage by account-region (docs/migration.md)');
    expect(start).toBeGreaterThan(0);
    const section = lines.slice(start + 2, start + 7).map((l) => l.trim().split(/\s+/));
    // The management account's us-east-1 (the README's estate) has the most blockers; dev eu-west-1 made IMDSv1 calls.
    expect(section[0]?.slice(0, 3)).toEqual([ACCOUNT, 'us-east-1', 'exposed']);
    expect(section.map((c) => `${c[0]} ${c[1]} ${c[2]}`).sort()).toEqual(
      [`${ACCOUNT} us-east-1 exposed`, `${ACCOUNT} eu-west-1 ready`, `${DEV} us-east-1 ready`, `${DEV} eu-west-1 exposed`, `${PROD} us-east-1 ready`].sort(),
    );
    const blockers = section.map((c) => Number(c[3]));
    expect([...blockers].sort((a, b) => b - a)).toEqual(blockers);
    expect(r.stdout).toContain('stages: 2 exposed · 3 ready');
  });

  it('the HTML report draws the stages (a bar split by stage) and lists the account-regions by blockers', async () => {
    mockOrganization();
    const r = await run(['scan', '--org', '--region', 'us-east-1', '--region', 'eu-west-1', '--out-file', 'org.html']);
    const html = r.files.get('org.html') ?? '';
    expect(html).toContain('<h2>Migration stage by account-region</h2>');
    expect(html).toMatch(/<svg viewBox="0 0 1000 28"[^>]*aria-label="2 exposed, 3 ready"/);
    // Two segments: exposed 2/5 of the bar, ready 3/5.
    expect(html).toContain('<rect x="0.0" y="0" width="400.0" height="28" fill="#c62828">');
    expect(html).toContain('<rect x="400.0" y="0" width="600.0" height="28" fill="#2e7d32">');
    const table = html.slice(html.indexOf('<h2>Migration stage by account-region</h2>'));
    expect(table.indexOf(`<code>${ACCOUNT}</code></td><td><span class="id">us-east-1</span>`)).toBeLessThan(table.indexOf(`<code>${PROD}</code>`));
  });
});
