/**
 * The HTML report: one self-contained file a security lead can send on.
 *
 * Order of reading: what fails and how bad (failing controls by severity,
 * per account when there are several; with --org every account chosen, how it
 * was read and why one was not), the parameters of the run, then every
 * resource, non-compliant and most severe first, with a filter per column
 * (kind, verdict, readiness, region, account) and the reason behind each
 * readiness label. Each control links to its Security Hub reference (or, for
 * imds-guard's own checks, the EC2 guide) for remediation.
 *
 * Safety: every value from AWS (names, tags, reasons) is HTML-escaped; a
 * Content-Security-Policy allows nothing but the one inline style sheet and
 * the one inline script, each pinned by its SHA-256 hash (no
 * 'unsafe-inline', no external assets, no inline style attributes).
 */
import { createHash } from 'node:crypto';
import type { SeverityLabel } from '../../shared/kinds/controls.js';
import { CONTROLS, describeKind } from '../../shared/kinds/registry.js';
import type { ControlId, ResourceKind } from '../../shared/model.js';
import { READINESS, READINESS_MEANING, type Readiness } from '../readiness.js';
import type { Row, ScanReport, StageLine } from '../scan.js';
import { STAGE_MEANING, STAGES, type StageName } from '../../shared/kinds/stage.js';
import { DEFAULT_HTML_ROWS } from '../args/options.js';
import { errorText, groupErrors } from './errors.js';
import { HtmlRows, rowSeverity, SEVERITY_ORDER, sevRank, VERDICT_ORDER, type AccountLine, type ControlLine } from './html-rows.js';
import { groupsUseIt, kindTitle, profileName } from './labels.js';

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const SH_GUIDE = 'https://docs.aws.amazon.com/securityhub/latest/userguide';

/** Security Hub's reference page of each of its controls (each has a Remediation section); AutoScaling.4 was retired, its check is imds-guard's own. */
export const SECURITY_HUB_DOCS: Partial<Record<ControlId, string>> = {
  'EC2.8': `${SH_GUIDE}/ec2-controls.html#ec2-8`,
  'EC2.170': `${SH_GUIDE}/ec2-controls.html#ec2-170`,
  'AutoScaling.3': `${SH_GUIDE}/autoscaling-controls.html#autoscaling-3`,
};

/** Where a person reads how to fix a control: Security Hub's page, else the EC2 guide page imds-guard cites. */
export function remediationLink(control: ControlId): string {
  return SECURITY_HUB_DOCS[control] ?? CONTROLS[control]!.remediationUrl;
}

const CSS = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg2:#f6f8fa;--crit:#8b0000;--high:#c2410c;--med:#b7791f;--low:#2563eb;--ok:#1a7f37;--accent:#0b3d91}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--fg);background:#fff}
header{background:var(--accent);color:#fff;padding:1rem 1.5rem}
header h1{font-size:1.35rem;margin:0}header p{margin:.2rem 0 0;opacity:.85}
main{padding:.8rem 1.5rem 2rem;max-width:1500px}
h3{font-size:.9rem;margin:1rem 0 .2rem}h2{font-size:1.05rem;margin:1.6rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
a{color:#0550ae}
.meta,.muted{color:var(--muted)}
.cards{display:flex;gap:.75rem;flex-wrap:wrap;margin:.75rem 0}
.card{border:1px solid var(--line);border-radius:.5rem;padding:.5rem .9rem;min-width:8.5rem;background:#fff}
.card b{display:block;font-size:1.6rem;line-height:1.2}.card small{font-size:.9rem;font-weight:400;color:var(--muted)}
.card.sev-HIGH{border-left:.35rem solid var(--high)}.card.sev-MEDIUM{border-left:.35rem solid var(--med)}
.card.sev-LOW{border-left:.35rem solid var(--low)}.card.sev-CRITICAL{border-left:.35rem solid var(--crit)}
.card.good{border-left:.35rem solid var(--ok)}.card.warn{border-left:.35rem solid #cf222e}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border-bottom:1px solid var(--line);padding:.35rem .45rem;text-align:left;vertical-align:top}
thead th{background:var(--bg2);white-space:nowrap}
#rows{table-layout:fixed;min-width:60rem}#rows thead tr:first-child th{cursor:pointer;user-select:none}
.w-verdict{width:5.8rem}.w-readiness{width:9rem}.w-resource{width:11rem}.w-kind{width:8.2rem}.w-region{width:6.6rem}.w-account{width:7.8rem}
.w-controls{width:9.2rem}.w-metadata{width:5.8rem}.w-imdsv1{width:4.8rem}
#rows td{overflow:hidden;text-overflow:ellipsis}#rows td.wide{overflow-wrap:break-word}
#rows td div{margin-top:.15rem}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code,.id{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:nowrap}
.sev{display:inline-block;padding:0 .45rem;border-radius:.25rem;font-size:11.5px;font-weight:600;color:#fff;white-space:nowrap}
.sev-CRITICAL .sev,.sev.sev-CRITICAL{background:var(--crit)}.sev.sev-HIGH{background:var(--high)}
.sev.sev-MEDIUM{background:var(--med)}.sev.sev-LOW{background:var(--low)}.sev.sev-INFORMATIONAL{background:#6e7781}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:12px;white-space:nowrap;border:1px solid transparent}
.v-NON_COMPLIANT{background:#ffebe9;color:#a40e26}.v-COMPLIANT{background:#dafbe1;color:#116329}.v-NOT_APPLICABLE{background:var(--bg2);color:var(--muted)}
.r-ready{background:#ddf4ff;color:#0550ae}.r-uses-imdsv1{background:#ffebe9;color:#a40e26}.r-usage-unknown{background:#fff8c5;color:#7d4e00}
.r-hop-limit-kept,.r-kind-off,.r-manual{background:#fbefff;color:#6e40c9}.r-endpoint-disabled{background:#eaeef2;color:#424a53}
.r-exempt{background:#eaeef2;color:#424a53}.r-compliant{background:#dafbe1;color:#116329}.r-na{background:var(--bg2);color:var(--muted)}
.reason{color:var(--muted);font-size:12.5px;margin-top:.15rem}
.why{font-size:13px}.name{font-size:12.5px;color:#424a53;margin-top:.1rem}
.nowrap{white-space:nowrap}
td.bad{color:#a40e26;font-weight:600}tr.passing td{color:var(--muted)}
tr.c-COMPLIANT td,tr.c-NOT_APPLICABLE td{background:#fcfdfd}
.fail{background:#ffebe9;border:1px solid #ff8182;border-radius:.5rem;padding:.5rem 1rem;margin:.5rem 0}
.note{background:#fff8c5;border:1px solid #d4a72c;border-radius:.5rem;padding:.5rem 1rem;margin:.5rem 0}
dl.params{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1.2rem;margin:.4rem 0}
dl.params dt{color:var(--muted)}dl.params dd{margin:0}
.filters th{padding-top:0}.filters select{width:100%;min-width:4.5rem;max-width:7.5rem;font:inherit;font-size:12.5px;padding:.15rem .25rem;border:1px solid var(--line);border-radius:.25rem;background:#fff}
.toolbar{display:flex;gap:1rem;align-items:center;flex-wrap:wrap;margin:.4rem 0}
.toolbar input{padding:.35rem .6rem;width:24rem;max-width:100%;border:1px solid var(--line);border-radius:.4rem;font:inherit}
.chips a{display:block;white-space:nowrap;font-size:12px;overflow:hidden;text-overflow:ellipsis}
tr.sep td{background:var(--bg2);font-weight:600}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;font-size:12.5px;margin:.6rem 0}dl.legend dd{margin:0}
footer{color:var(--muted);font-size:12px;margin-top:2rem}
@media print{.toolbar,.filters{display:none}header{background:#fff;color:var(--fg);border-bottom:2px solid var(--accent)}a{color:inherit;text-decoration:none}}`;

/** Column filters, free-text search, click-to-sort. Plain ES5, no globals. */
const SCRIPT = `
(function(){
  var t=document.getElementById('rows');if(!t)return;
  var body=t.tBodies[0],rows=[].slice.call(body.rows),shown=document.getElementById('shown');
  var q=document.getElementById('q'),sels=[].slice.call(t.querySelectorAll('select[data-col]'));
  function apply(){var v=q?q.value.toLowerCase():'',n=0;
    rows.forEach(function(r){var ok=!v||r.textContent.toLowerCase().indexOf(v)>=0;
      sels.forEach(function(s){if(ok&&s.value){var c=r.cells[+s.getAttribute('data-col')];ok=c&&c.getAttribute('data-v')===s.value;}});
      r.hidden=!ok;if(ok)n++;});
    shown.textContent=String(n);}
  if(q)q.addEventListener('input',apply);
  sels.forEach(function(s){s.addEventListener('change',apply);});
  var reset=document.getElementById('reset');
  if(reset)reset.addEventListener('click',function(){if(q)q.value='';sels.forEach(function(s){s.value='';});apply();});
  [].forEach.call(t.tHead.rows[0].cells,function(th,i){var dir=1;th.addEventListener('click',function(){
    var num=th.classList.contains('n');dir=-dir;
    rows.sort(function(a,b){var x=a.cells[i].getAttribute('data-s')||a.cells[i].getAttribute('data-v')||a.cells[i].textContent,
      y=b.cells[i].getAttribute('data-s')||b.cells[i].getAttribute('data-v')||b.cells[i].textContent;
      if(num){x=parseFloat(x);y=parseFloat(y);x=isNaN(x)?-1:x;y=isNaN(y)?-1:y;return (x-y)*dir;}
      return x.localeCompare(y)*dir;});
    rows.forEach(function(r){body.appendChild(r);});});});
})();`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The policy: nothing loads, only this style sheet and this script run. */
export const CSP = `default-src 'none'; style-src ${sha256(CSS)}; script-src ${sha256(SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'`;

// ── pieces ───────────────────────────────────────────────────────────────────

/** A kind in one cell: its singular word. */
const kindWord = (kind: ResourceKind): string => describeKind(kind).words.one;

const sev = (s: SeverityLabel): string => `<span class="sev sev-${s}">${s}</span>`;

function readinessBadge(readiness: Readiness): string {
  return `<span class="badge ${readiness === 'n/a' ? 'r-na' : `r-${readiness}`}">${escapeHtml(readiness)}</span>`;
}

const VERDICT_WORDS: Record<Row['compliance'], string> = { NON_COMPLIANT: 'failing', COMPLIANT: 'passing', NOT_APPLICABLE: 'n/a' };

/** The failing controls of a non-compliant row, each linking to its remediation (passing rows list none). */
function controlChips(row: Row): string {
  if (row.compliance !== 'NON_COMPLIANT') return '';
  return row.controls
    .map((c) => {
      const id = c as ControlId;
      return CONTROLS[id] ? `<a href="${escapeHtml(remediationLink(id))}" title="${escapeHtml(CONTROLS[id].title)}">${escapeHtml(c)}</a>` : escapeHtml(c);
    })
    .join(' ');
}

function callsCell(row: Row): string {
  if (row.imdsv1Calls === undefined) return '<td class="n" data-v="">–</td>';
  if (row.imdsv1Calls === null) return '<td class="n" data-v="" title="no MetadataNoToken datapoints">no data</td>';
  const last = row.lastImdsv1Call ? ` title="last call ${escapeHtml(row.lastImdsv1Call)}"` : '';
  return `<td class="n" data-v="${row.imdsv1Calls}"${last}>${escapeHtml(row.imdsv1Calls.toLocaleString('en-US'))}</td>`;
}

/** Column index of each filter (cells carry the filtered value in data-v). Narrow columns first, the reasons last. */
const ALL_COLUMNS = ['Verdict', 'Readiness', 'Resource', 'Kind', 'Region', 'Account', 'Controls', 'Metadata', 'IMDSv1', 'Why'] as const;
type Column = (typeof ALL_COLUMNS)[number];
/** The Account column (and its filter) only when there is more than one account. */
const columnsFor = (multiAccount: boolean): Column[] => ALL_COLUMNS.filter((c) => multiAccount || c !== 'Account');
const FILTERED: Partial<Record<Column, string>> = {
  Verdict: 'verdict',
  Readiness: 'readiness',
  Kind: 'kind',
  Region: 'region',
  Account: 'account',
};

function rowHtml(row: Row, multiAccount: boolean): string {
  const severity = rowSeverity(row);
  const profile = profileName(row.instanceProfile);
  const why: string[] = [];
  if (row.readiness !== 'compliant') why.push(`<div class="why">${escapeHtml(row.readinessReason)}</div>`);
  if (row.compliance === 'NON_COMPLIANT') why.push(`<div class="reason">${escapeHtml(row.reason)}</div>`);
  if (row.stage !== undefined) {
    const n = row.blockers ?? 0;
    why.push(`<div class="why">Stage <b>${escapeHtml(row.stage)}</b>, ${n} blocker${n === 1 ? '' : 's'}: ${escapeHtml(row.stageReason ?? '')}</div>`);
  }
  if (profile) why.push(`<div class="reason">Instance profile <code title="${escapeHtml(row.instanceProfile)}">${escapeHtml(profile)}</code></div>`);
  if (row.autoScalingGroups.length > 0) {
    why.push(`<div class="reason">${groupsUseIt(row.kind) ? 'Used by' : 'Auto Scaling group'} ${row.autoScalingGroups.map((g) => `<code>${escapeHtml(g)}</code>`).join(', ')}</div>`);
  }
  const state = row.state && row.state !== 'running' ? ` (${escapeHtml(row.state)})` : '';
  return (
    `<tr class="c-${row.compliance}">` +
    `<td data-v="${row.compliance}" data-s="${severity ? sevRank(severity) : 5 + VERDICT_ORDER[row.compliance]}">` +
    `<span class="badge v-${row.compliance}">${VERDICT_WORDS[row.compliance]}</span>${severity ? `<div>${sev(severity)}</div>` : ''}</td>` +
    `<td data-v="${escapeHtml(row.readiness)}" data-s="${READINESS.indexOf(row.readiness)}">${readinessBadge(row.readiness)}</td>` +
    `<td data-s="${escapeHtml(row.id)}"><code>${escapeHtml(row.id)}</code>${row.name || state ? `<div class="name">${escapeHtml(row.name ?? '')}${state}</div>` : ''}</td>` +
    `<td data-v="${escapeHtml(row.kind)}" class="nowrap">${escapeHtml(kindWord(row.kind))}</td>` +
    `<td data-v="${escapeHtml(row.region)}"><span class="id">${escapeHtml(row.region)}</span></td>` +
    (multiAccount ? `<td data-v="${escapeHtml(row.account)}"><code>${escapeHtml(row.account)}</code></td>` : '') +
    `<td class="chips">${controlChips(row)}</td>` +
    `<td class="nowrap" data-s="${escapeHtml(row.httpTokens ?? 'unset')}">${escapeHtml(row.httpTokens ?? 'unset')}` +
    `<div class="muted">hop ${escapeHtml(row.hopLimit ?? '–')}${row.httpEndpoint === 'disabled' ? ' · endpoint off' : ''}</div></td>` +
    callsCell(row) +
    `<td class="wide">${why.join('')}</td>` +
    '</tr>'
  );
}

function filterRow(rows: readonly Row[], columns: readonly Column[]): string {
  const label = (key: string, v: string): string => (key === 'kind' ? kindWord(v as ResourceKind) : key === 'verdict' ? VERDICT_WORDS[v as Row['compliance']] : v);
  const options = (key: string, values: string[]): string =>
    ['<option value="">all</option>', ...values.map((v) => `<option value="${escapeHtml(v)}">${escapeHtml(label(key, v))}</option>`)].join('');
  const valuesOf: Record<string, string[]> = {
    verdict: (['NON_COMPLIANT', 'COMPLIANT', 'NOT_APPLICABLE'] as const).filter((v) => rows.some((r) => r.compliance === v)),
    readiness: READINESS.filter((x) => rows.some((r) => r.readiness === x)),
    account: [...new Set(rows.map((r) => r.account))].sort(),
    region: [...new Set(rows.map((r) => r.region))].sort(),
    kind: [...new Set(rows.map((r) => r.kind))],
  };
  return (
    '<tr class="filters">' +
    columns.map((c, i) => {
      const key = FILTERED[c];
      return key ? `<th><select data-col="${i}" aria-label="Filter by ${key}">${options(key, valuesOf[key] ?? [])}</select></th>` : '<th></th>';
    }).join('') +
    '</tr>'
  );
}

function controlsTable(lines: readonly ControlLine[]): string {
  const body = lines
    .map((l) => {
      const c = CONTROLS[l.control]!;
      const sh = SECURITY_HUB_DOCS[l.control];
      return (
        `<tr${l.failing === 0 ? ' class="passing"' : ''}><td>${sev(l.severity)}</td><td class="nowrap"><code>${escapeHtml(l.control)}</code>${sh ? '' : '<div class="muted">imds-guard check</div>'}</td>` +
        `<td>${escapeHtml(c.title)}${c.note ? `<div class="reason">${escapeHtml(c.note)}</div>` : ''}</td>` +
        `<td class="n${l.failing > 0 ? ' bad' : ''}">${l.failing}</td><td class="n">${l.checked}</td>` +
        `<td class="nowrap"><a href="${escapeHtml(remediationLink(l.control))}">${sh ? `Security Hub ${escapeHtml(l.control)}` : 'EC2 User Guide'}</a></td></tr>`
      );
    })
    .join('\n');
  return (
    '<div class="scroll"><table><thead><tr><th>Severity</th><th>Control</th><th>Title</th><th class="n">Failing</th><th class="n">Checked</th><th>Remediation</th></tr></thead>' +
    `<tbody>\n${body}\n</tbody></table></div>`
  );
}

/**
 * One line per account. With --org (report.organization) every account chosen is listed in the
 * walk's order, with its name, how it was read and its status (an account not read shows why
 * and no counts), and a total line for the organization.
 */
function accountsTable(report: HtmlHead, rows: HtmlRows): string {
  const org = report.organization;
  const all = rows.organization();
  const sevs = SEVERITY_ORDER.filter((s) => all.failingBy.has(s));
  const counts = (line: AccountLine): number[] => [...sevs.map((s) => line.failingBy.get(s) ?? 0), line.failing, line.total, line.ready];
  const cells = (ns: number[], bold = false): string => ns.map((n) => `<td class="n">${bold ? `<b>${n}</b>` : n}</td>`).join('');
  let body: string[];
  if (org) {
    body = org.accounts.map((a) => {
      const status = a.error ? `failed: ${a.error.code ? `${a.error.code}: ` : ''}${a.error.message}` : a.status;
      return (
        `<tr><td><code>${escapeHtml(a.account)}</code></td><td>${escapeHtml(a.name ?? '')}</td>` +
        `<td>${a.via === 'caller' ? 'own credentials' : `<code>${escapeHtml(a.roleArn ?? '')}</code>`}</td><td>${escapeHtml(status)}</td>` +
        (a.error ? '<td class="n">–</td>'.repeat(sevs.length + 3) : cells(counts(rows.account(a.account)))) +
        '</tr>'
      );
    });
    body.push(`<tr><td><b>organization</b></td><td></td><td></td><td></td>${cells(counts(all), true)}</tr>`);
  } else {
    body = rows.accountNames().sort().map((a) => `<tr><td><code>${escapeHtml(a)}</code></td>${cells(counts(rows.account(a)))}</tr>`);
  }
  return (
    `<h2>By account</h2><div class="scroll"><table><thead><tr><th>Account</th>${org ? '<th>Name</th><th>Read with</th><th>Status</th>' : ''}` +
    sevs.map((s) => `<th class="n">${s.charAt(0) + s.slice(1).toLowerCase()}</th>`).join('') +
    `<th class="n">Non-compliant</th><th class="n">Resources</th><th class="n">Ready to fix</th></tr></thead><tbody>\n${body.join('\n')}\n</tbody></table></div>`
  );
}

function kindsTable(report: HtmlHead): string {
  // With --org the summary is per account, region and kind (each carries its account).
  const org = report.organization !== undefined;
  const key = (account: string | undefined, region: string): string => `${account ?? ''}/${region}`;
  const failed = new Set(report.regions.filter((r) => r.status === 'failed').map((r) => key(r.account, r.region)));
  const body = report.summary
    .filter((s) => !failed.has(key(s.account, s.region)) && s.total > 0)
    .map(
      (s) =>
        `<tr>${org ? `<td><code>${escapeHtml(s.account ?? '')}</code></td>` : ''}<td>${escapeHtml(s.region)}</td><td>${escapeHtml(kindTitle(s.kind))}</td>` +
        [s.total, s.compliant, s.nonCompliant, s.ready, s.usesImdsv1, s.usageUnknown, s.held, s.exempt].map((n) => `<td class="n">${n}</td>`).join('') +
        '</tr>',
    )
    .join('\n');
  const head = [...(org ? ['Account'] : []), 'Region', 'Kind', 'Total', 'Compliant', 'Non-compliant', 'Ready', 'Uses IMDSv1', 'Usage unknown', 'Held back', 'Exempt'];
  const text = org ? 3 : 2;
  return `<div class="scroll"><table><thead><tr>${head.map((h, i) => `<th${i >= text ? ' class="n"' : ''}>${h}</th>`).join('')}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** Above the resources when the report lists fewer than it counted: how many, and where the rest is. */
function omittedNote(listed: number, counted: HtmlRows, omitted: Omitted): string {
  if (counted.omitted === 0) return '';
  const n = (x: number): string => x.toLocaleString('en-US');
  const where = omitted.file
    ? `Every resource is in <code>${escapeHtml(omitted.file)}</code> beside this report, one JSON object per line.`
    : 'For every resource, scan with <code>--output jsonl</code>, or write this report with <code>--out-file</code>: a JSON Lines file with every resource is then written beside it.';
  return (
    `<p class="note">This report lists ${n(listed)} of ${n(counted.total)} resources, the non-compliant and most severe first ` +
    `(<code>--html-rows</code>, default ${n(DEFAULT_HTML_ROWS)}); every count in it covers all ${n(counted.total)}. ${where}</p>\n`
  );
}

export function toHtml(report: ScanReport): string {
  return renderHtml(report, HtmlRows.of(report.kinds, report.rows));
}

/** Everything of a scan report but its rows, which come counted (and capped) in HtmlRows. */
export type HtmlHead = Omit<ScanReport, 'rows'>;

/** Where the rows the report does not list can be read, when it lists fewer than it counted. */
export interface Omitted {
  /** The JSON Lines file beside the report with every row. */
  file?: string;
}

/** Colours of the stage picture (SVG fill attributes: the report's CSP allows no inline style). */
const STAGE_COLOURS: Record<StageName, string> = {
  exposed: '#c62828',
  migrating: '#ef6c00',
  ready: '#2e7d32',
  enforced: '#1565c0',
  managed: '#6a1b9a',
  unknown: '#9e9e9e',
};
/** Account-regions listed one by one under the picture; the rest are counted. */
const STAGE_ROWS = 100;

/**
 * "How far are we": one bar split by stage (account-regions at each), the
 * meaning of each, and the account-regions with the most blockers first.
 */
function stagesSection(stages: readonly StageLine[]): string {
  if (stages.length === 0) return '';
  const order: StageName[] = [...STAGES, 'unknown'];
  const counts = order.map((s) => ({ s, n: stages.filter((x) => x.stage === s).length })).filter(({ n }) => n > 0);
  let x = 0;
  const bars = counts
    .map(({ s, n }) => {
      const w = (n / stages.length) * 1000;
      const rect = `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="28" fill="${STAGE_COLOURS[s]}"><title>${escapeHtml(s)}: ${n}</title></rect>`;
      x += w;
      return rect;
    })
    .join('');
  const swatch = (s: StageName): string => `<svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="${STAGE_COLOURS[s]}"/></svg>`;
  const legend = counts.map(({ s, n }) => `<dt>${swatch(s)} <b>${escapeHtml(s)}</b> ${n}</dt><dd>${escapeHtml(STAGE_MEANING[s])}</dd>`).join('');
  const listed = stages.slice(0, STAGE_ROWS);
  const more = stages.length - listed.length;
  const rows = listed
    .map(
      (l) =>
        `<tr><td><code>${escapeHtml(l.account)}</code></td><td><span class="id">${escapeHtml(l.region)}</span></td><td>${swatch(l.stage)} ${escapeHtml(l.stage)}</td>` +
        `<td class="n">${l.blockers}</td><td>${escapeHtml(l.reason ?? '')}</td></tr>`,
    )
    .join('');
  return (
    `<h2>Migration stage by account-region</h2>\n` +
    `<svg viewBox="0 0 1000 28" width="100%" height="28" role="img" aria-label="${escapeHtml(counts.map(({ s, n }) => `${n} ${s}`).join(', '))}">${bars}</svg>\n` +
    `<dl class="legend">${legend}</dl>\n` +
    `<div class="scroll"><table><thead><tr><th>Account</th><th>Region</th><th>Stage</th><th class="n">Blockers</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table></div>\n` +
    (more > 0 ? `<p class="meta">and ${more} more account-regions with fewer blockers (every one is in the JSON report)</p>\n` : '')
  );
}

export function renderHtml(report: HtmlHead, counted: HtmlRows, omitted: Omitted = {}): string {
  const rows = counted.shown();
  const org = report.organization;
  // --org: the accounts chosen (some may have no rows: not read, or empty), the caller's first only if chosen.
  const accounts = org ? org.accounts.map((a) => a.account) : [...new Set([report.account, ...rows.map((r) => r.account), ...counted.accountNames()])];
  const multiAccount = org !== undefined || accounts.length > 1;
  const columns = columnsFor(multiAccount);
  const notRead = org?.accounts.filter((a) => a.status === 'failed') ?? [];
  const all = counted.organization();
  const lines = counted.controlLines();
  const failedRegions = report.regions.filter((r) => r.status === 'failed');
  const readRegions = report.regions.filter((r) => r.status !== 'failed');
  const count = (x: Readiness): number => counted.readiness(x);
  const bySeverity = SEVERITY_ORDER.filter((s) => s !== 'INFORMATIONAL').map((s) => ({ s, n: all.failingBy.get(s) ?? 0 }));
  const cap = (x: string): string => x.charAt(0) + x.slice(1).toLowerCase();
  const cards = [
    ...bySeverity
      .filter(({ s, n }) => n > 0 || s !== 'CRITICAL')
      .map(({ s, n }) => `<div class="card sev-${s}"><b>${n}</b>${cap(s)} severity</div>`),
    `<div class="card ${all.failing === 0 ? 'good' : 'warn'}"><b>${all.failing} <small>of ${counted.total}</small></b>resources non-compliant</div>`,
    `<div class="card good"><b>${count('ready')}</b>ready for <code>imds-guard fix</code></div>`,
    `<div class="card"><b>${count('uses-imdsv1')}</b>still use IMDSv1</div>`,
    failedRegions.length > 0 ? `<div class="card warn"><b>${failedRegions.length}</b>region${failedRegions.length === 1 ? '' : 's'} not read</div>` : '',
    notRead.length > 0 ? `<div class="card warn"><b>${notRead.length}</b>account${notRead.length === 1 ? '' : 's'} not read</div>` : '',
  ].join('');
  const problems = report.regions
    .filter((r) => r.errors.length > 0)
    .map(
      (r) =>
        `<div class="fail"><b>${r.account ? `${escapeHtml(r.account)} ` : ''}${escapeHtml(r.region)}</b> ${r.status === 'failed' ? 'failed: nothing could be read' : 'partly read'}<ul>` +
        groupErrors(r.errors).map((g) => `<li>${escapeHtml(errorText(g))}</li>`).join('') +
        '</ul></div>',
    )
    .join('\n');
  const params: [string, string][] = [
    [accounts.length === 1 ? 'Account' : 'Accounts', accounts.map((a) => `<code>${escapeHtml(a)}</code>`).join(', ')],
    ...(org
      ? ([
          ['Run from', `<code>${escapeHtml(report.account)}</code> (<code>--org</code>, member role <code>${escapeHtml(org.roleName)}</code>, ${escapeHtml(org.assumeRoleCalls)} AssumeRole calls)`],
        ] as [string, string][])
      : []),
    ['Regions read', readRegions.map((r) => `<code>${escapeHtml(r.region)}</code>${r.status === 'partial' ? ' (partly)' : ''}`).join(', ') || 'none'],
  ];
  if (failedRegions.length > 0) params.push(['Regions failed', failedRegions.map((r) => `<code>${escapeHtml(r.region)}</code>`).join(', ')]);
  if (report.skippedRegions.length > 0) params.push(['Regions skipped', `${report.skippedRegions.map((s) => `<code>${escapeHtml(s.region)}</code>`).join(', ')} (not opted in)`]);
  params.push(
    ['Resource kinds', report.kinds.map((k) => escapeHtml(k)).join(', ')],
    ['IMDSv1 look-back', `${escapeHtml(report.lookbackDays)} days of CloudWatch <code>MetadataNoToken</code>`],
    ['Exemption tag', `<code>${escapeHtml(report.exemptTagKey)}</code>`],
    ['Hop-limit ceiling', `${escapeHtml(report.hopLimitCeiling)} (fix ${report.lowerHopLimit ? 'lowers' : 'keeps'} higher limits)`],
    ['Generated', `${escapeHtml(report.generatedAt)} by imds-guard ${escapeHtml(report.version)} (<code>imds-guard scan</code>, read-only)`],
  );
  const title = `IMDSv2 compliance · ${org ? `organization, ${accounts.length} account${accounts.length === 1 ? '' : 's'}` : accounts.length === 1 ? `account ${report.account}` : `${accounts.length} accounts`}`;
  const legend = READINESS.filter((x) => counted.readiness(x) > 0)
    .map((x) => `<dt>${readinessBadge(x)}</dt><dd>${escapeHtml(READINESS_MEANING[x])}</dd>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(report.generatedAt.replace(/\.\d+Z$/, 'Z'))} · ${readRegions.length} of ${report.regions.length} region${report.regions.length === 1 ? '' : 's'} read · imds-guard ${escapeHtml(report.version)}</p></header>
<main>
<h2>Summary</h2>
<div class="cards">${cards}</div>
${problems}
${stagesSection(counted.stages())}
<h2>Failing controls by severity</h2>
${controlsTable(lines)}
${multiAccount ? accountsTable(report, counted) : ''}
<h2>Parameters of this run</h2>
<dl class="params">${params.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>
<h2>Resources</h2>
${omittedNote(rows.length, counted, omitted)}<div class="toolbar"><input type="search" id="q" placeholder="Search id, name, reason…" aria-label="Search resources"><span class="meta"><span id="shown">${rows.length}</span> of ${rows.length} shown · non-compliant first · click a heading to sort</span><button type="button" id="reset">Clear filters</button></div>
<div class="scroll"><table id="rows">
<colgroup>${columns.map((c) => `<col class="w-${c.toLowerCase()}">`).join('')}</colgroup>
<thead><tr>${columns.map((c) => `<th${c === 'IMDSv1' ? ' class="n"' : ''}>${c}</th>`).join('')}</tr>
${filterRow(rows, columns)}</thead>
<tbody>
${rows.map((r) => rowHtml(r, multiAccount)).join('\n')}
</tbody>
</table></div>
<h3 class="meta">Readiness labels</h3>
<dl class="legend">${legend}</dl>
<h2>By region and kind</h2>
${kindsTable(report)}
<footer>Severity is Security Hub's for its controls (EC2.8, AutoScaling.3: high; EC2.170: low) and medium for imds-guard's own checks. IMDSv1 calls: sum of MetadataNoToken over the look-back window ("no data": no datapoints). Readiness says what <code>imds-guard fix</code> would do, or what holds it back.</footer>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
