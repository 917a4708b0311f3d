import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { escapeHtml, SECURITY_HUB_DOCS, toHtml } from '../../../cli/format/html.js';
import type { ScanReport } from '../../../cli/scan.js';
import { ACCOUNT, instance, mockEstate, restore, run, smallEstate, type Mocks } from '../harness.js';

let mocks: Mocks | undefined;
afterEach(() => {
  if (mocks) restore(mocks);
  mocks = undefined;
});

async function report(): Promise<{ html: string; json: ScanReport }> {
  const estate = smallEstate();
  estate.instances.push(instance('i-0f1e2d3c4b5a69788', { name: 'k8s-node-3', tokens: 'required', hop: 3 }));
  mocks = mockEstate({ 'us-east-1': estate, 'eu-west-1': { refuse: 'denied' } });
  const argv = ['scan', '--region', 'us-east-1', '--region', 'eu-west-1', '--lookback-days', '30'];
  const html = (await run([...argv, '--output', 'html'])).stdout;
  const json = JSON.parse((await run([...argv, '--output', 'json'])).stdout) as ScanReport;
  return { html, json };
}

const between = (html: string, open: string, close: string): string => html.slice(html.indexOf(open) + open.length, html.indexOf(close, html.indexOf(open)));
const sha = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('HTML report', () => {
  it('a strict CSP: nothing loads, only its own style sheet and script run (pinned by hash)', async () => {
    const { html } = await report();
    const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1] ?? '';
    expect(csp).toMatch(/^default-src 'none'; /);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`style-src ${sha(between(html, '<style>', '</style>'))}`);
    expect(csp).toContain(`script-src ${sha(between(html, '<script>', '</script>'))}`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html.match(/<style/g)).toHaveLength(1);
    expect(html).not.toMatch(/\sstyle="/); // inline style attributes would need 'unsafe-hashes'
    expect(html).not.toMatch(/\son[a-z]+="/); // no inline handlers
    expect(html).not.toMatch(/<(link|img|iframe)\b|\ssrc=/i); // self-contained
  });

  it('opens with failing controls by severity, each with its remediation link', async () => {
    const { html } = await report();
    const summary = html.indexOf('Failing controls by severity');
    expect(summary).toBeGreaterThan(0);
    expect(summary).toBeLessThan(html.indexOf('<h2>Resources</h2>'));
    const table = between(html, 'Failing controls by severity', '</table>');
    const order = ['EC2.8', 'AutoScaling.3', 'account-default', 'instance-hop-limit', 'EC2.170'].map((c) => table.indexOf(`<code>${c}</code>`));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order); // HIGH, HIGH, MEDIUM…, LOW
    expect(table).toMatch(/sev-HIGH">HIGH<\/span><\/td><td class="nowrap"><code>EC2\.8<\/code><\/td><td>[^<]+<\/td><td class="n bad">3<\/td><td class="n">5<\/td>/); // 6 instances, the exempt one not checked
    expect(html).toContain('href="https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-8"');
    expect(html).toContain('href="https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-170"');
    expect(html).toContain('href="https://docs.aws.amazon.com/securityhub/latest/userguide/autoscaling-controls.html#autoscaling-3"');
    expect(Object.keys(SECURITY_HUB_DOCS)).toEqual(['EC2.8', 'EC2.170', 'AutoScaling.3']); // AutoScaling.4 retired: launch-configuration-hop-limit links the EC2 guide
    // Summary cards count failing resources by their worst severity.
    // Two more than before the auto-scaling-group kind: the estate's two groups fail at HIGH.
    expect(html).toMatch(/<div class="card sev-HIGH"><b>6<\/b>High severity<\/div>/);
    expect(html).toMatch(/<div class="card sev-LOW"><b>1<\/b>Low severity<\/div>/);
  });

  it('lists the parameters of the run', async () => {
    const { html } = await report();
    const params = between(html, 'Parameters of this run', '</dl>');
    expect(params).toContain(`<code>${ACCOUNT}</code>`);
    expect(params).toMatch(/Regions read<\/dt><dd><code>us-east-1<\/code>/);
    expect(params).toMatch(/Regions failed<\/dt><dd><code>eu-west-1<\/code>/);
    expect(params).toContain('instance, launch-template, launch-configuration, account-defaults, auto-scaling-group');
    expect(params).toContain('30 days');
    expect(params).toContain('<code>imds-guard:exempt</code>');
    expect(params).toContain('2 (fix keeps higher limits)');
    expect(params).toMatch(/2026-05-01T12:00:00\.000Z by imds-guard \d+\.\d+\.\d+/);
  });

  it('resources: non-compliant first (most severe first), a filter per column, the readiness reason beside each label', async () => {
    const { html, json } = await report();
    const body = between(html, '<table id="rows">', '</table>');
    const ids = [...body.matchAll(/<tr class="c-(\w+)">.*?<code>([^<]+)<\/code>/g)].map((m) => ({ compliance: m[1], id: m[2] }));
    expect(ids).toHaveLength(json.rows.length);
    const firstPassing = ids.findIndex((r) => r.compliance !== 'NON_COMPLIANT');
    expect(ids.slice(firstPassing).every((r) => r.compliance !== 'NON_COMPLIANT')).toBe(true);
    expect(ids.slice(0, firstPassing).map((r) => r.id).at(-1)).toBe('lt-0123456789abcdef0'); // EC2.170 is LOW: last of the failing
    for (const key of ['verdict', 'readiness', 'kind', 'region']) expect(body).toContain(`aria-label="Filter by ${key}"`);
    expect(body).not.toContain('Filter by account'); // one account: no account column
    expect(body).toMatch(/<option value="hop-limit-kept">hop-limit-kept<\/option>/);
    expect(body).toContain('hop limit 3 is above the ceiling 2 and fix keeps it');
    expect(body).toContain('tagged imds-guard:exempt=vendor appliance: fix never changes it');
    // Ids never wrap mid-word.
    expect(between(html, '<style>', '</style>')).toMatch(/code,\.id\{[^}]*white-space:nowrap/);
  });

  it('several accounts: a per-account severity table and an account filter', async () => {
    const { json } = await report();
    const other = '444455556666';
    const multi: ScanReport = { ...json, rows: [...json.rows, ...json.rows.map((r) => ({ ...r, account: other, id: `${r.id}-b` }))] };
    const html = toHtml(multi);
    expect(html).toContain('IMDSv2 compliance · 2 accounts');
    const byAccount = between(html, '<h2>By account</h2>', '</table>');
    expect(byAccount).toMatch(new RegExp(`<tr><td><code>${ACCOUNT}</code></td><td class="n">6</td><td class="n">2</td><td class="n">1</td><td class="n">9</td>`));
    expect(byAccount).toContain(`<code>${other}</code>`);
    expect(html).toContain('aria-label="Filter by account"');
    expect(html).toContain(`<option value="${other}">${other}</option>`);
  });
});

describe('escapeHtml', () => {
  it('escapeHtml escapes the five characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
