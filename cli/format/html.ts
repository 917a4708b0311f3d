/**
 * A self-contained HTML report a person can open and share: inline CSS and a
 * small inline script (filter box, click a column to sort), no external
 * assets (a Content-Security-Policy forbids loading any). Every value from
 * AWS (names, tags, reasons) is HTML-escaped.
 */
import type { Row, ScanReport, SummaryRow } from '../scan.js';
import { errorText, groupErrors } from './errors.js';
import { KIND_TITLES, profileName } from './labels.js';

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.meta{color:#57606a;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0;cursor:pointer;user-select:none;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:12px;white-space:nowrap}
.r-compliant{background:#dafbe1;color:#116329}.r-ready{background:#ddf4ff;color:#0550ae}
.r-uses-imdsv1{background:#ffebe9;color:#a40e26}.r-usage-unknown{background:#fff8c5;color:#7d4e00}
.r-exempt{background:#eaeef2;color:#424a53}.r-na{background:#f6f8fa;color:#57606a}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:.5rem;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.5rem}
.fail{background:#ffebe9;border:1px solid #ff8182;border-radius:.5rem;padding:.5rem 1rem;margin:.5rem 0}
.reason{color:#424a53;font-size:13px}
input[type=search]{padding:.35rem .6rem;width:22rem;max-width:100%;border:1px solid #d0d7de;border-radius:.4rem}
@media print{input,.hint{display:none}th{position:static}}`;

const SCRIPT = `
(function(){
  var q=document.getElementById('q'),t=document.getElementById('rows');if(!q||!t)return;
  var body=t.tBodies[0],rows=[].slice.call(body.rows),count=document.getElementById('shown');
  q.addEventListener('input',function(){var v=q.value.toLowerCase(),n=0;
    rows.forEach(function(r){var hit=r.textContent.toLowerCase().indexOf(v)>=0;r.hidden=!hit;if(hit)n++;});
    count.textContent=String(n);});
  [].forEach.call(t.tHead.rows[0].cells,function(th,i){var dir=1;th.addEventListener('click',function(){
    var num=th.classList.contains('n');dir=-dir;
    rows.sort(function(a,b){var x=a.cells[i].getAttribute('data-v')||a.cells[i].textContent,y=b.cells[i].getAttribute('data-v')||b.cells[i].textContent;
      if(num){x=parseFloat(x);y=parseFloat(y);x=isNaN(x)?-1:x;y=isNaN(y)?-1:y;return (x-y)*dir;}
      return x.localeCompare(y)*dir;});
    rows.forEach(function(r){body.appendChild(r);});});});
})();`;

function badge(readiness: Row['readiness']): string {
  const cls = readiness === 'n/a' ? 'r-na' : `r-${readiness}`;
  return `<span class="badge ${cls}">${escapeHtml(readiness)}</span>`;
}

function callsCell(row: Row): string {
  if (row.imdsv1Calls === undefined) return '<td class="n" data-v="">–</td>';
  if (row.imdsv1Calls === null) return '<td class="n" data-v="" title="no MetadataNoToken datapoints">no data</td>';
  const last = row.lastImdsv1Call ? ` title="last call ${escapeHtml(row.lastImdsv1Call)}"` : '';
  return `<td class="n" data-v="${row.imdsv1Calls}"${last}>${escapeHtml(row.imdsv1Calls.toLocaleString('en-US'))}</td>`;
}

function rowHtml(row: Row, withAccount: boolean): string {
  const profile = profileName(row.instanceProfile);
  return (
    '<tr>' +
    (withAccount ? `<td><code>${escapeHtml(row.account)}</code></td>` : '') +
    `<td>${escapeHtml(row.region)}</td>` +
    `<td>${escapeHtml(row.kind)}</td>` +
    `<td><code>${escapeHtml(row.id)}</code></td>` +
    `<td>${escapeHtml(row.name ?? '')}${row.state ? ` <span class="reason">(${escapeHtml(row.state)})</span>` : ''}</td>` +
    `<td>${escapeHtml(row.compliance)}<div class="reason">${escapeHtml(row.reason)}</div>` +
    (row.plan ? `<div class="reason">Fix: ${escapeHtml(row.plan)}</div>` : '') +
    '</td>' +
    `<td>${escapeHtml(row.httpTokens ?? 'unset')}</td>` +
    `<td class="n">${escapeHtml(row.hopLimit ?? '–')}</td>` +
    callsCell(row) +
    `<td${row.instanceProfile ? ` title="${escapeHtml(row.instanceProfile)}"` : ''}>${escapeHtml(profile ?? '')}</td>` +
    `<td>${escapeHtml(row.autoScalingGroups.join(', '))}</td>` +
    `<td data-v="${escapeHtml(row.readiness)}">${badge(row.readiness)}</td>` +
    '</tr>'
  );
}

/** `scan --org`: one line per account and the organization's total, accounts not read included. */
function accountTable(report: ScanReport): string {
  const org = report.organization;
  if (!org) return '';
  const totals = (rows: readonly Row[]): number[] => [
    rows.length,
    rows.filter((r) => r.compliance === 'NON_COMPLIANT').length,
    ...(['ready', 'uses-imdsv1', 'usage-unknown', 'exempt'] as const).map((k) => rows.filter((r) => r.readiness === k).length),
  ];
  const head = ['Account', 'Name', 'Read with', 'Status', 'Resources', 'Non-compliant', 'Ready', 'Uses IMDSv1', 'Usage unknown', 'Exempt'];
  const body = org.accounts.map((a) => {
    const rows = report.rows.filter((r) => r.account === a.account);
    const status = a.error ? `failed: ${a.error.code ? `${a.error.code}: ` : ''}${a.error.message}` : a.status;
    return (
      `<tr><td><code>${escapeHtml(a.account)}</code></td><td>${escapeHtml(a.name ?? '')}</td><td>${a.via === 'caller' ? 'own credentials' : escapeHtml(a.roleArn ?? '')}</td><td>${escapeHtml(status)}</td>` +
      (a.error ? '<td class="n">–</td>'.repeat(6) : totals(rows).map((n) => `<td class="n">${n}</td>`).join('')) +
      '</tr>'
    );
  });
  body.push(`<tr><td><b>organization</b></td><td></td><td></td><td></td>${totals(report.rows).map((n) => `<td class="n"><b>${n}</b></td>`).join('')}</tr>`);
  return `<h2>Summary by account</h2>\n<table><thead><tr>${head.map((h, i) => `<th${i > 3 ? ' class="n"' : ''}>${h}</th>`).join('')}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>`;
}

function summaryTable(summary: readonly SummaryRow[], failed: Set<string>): string {
  const head = ['Region', 'Kind', 'Total', 'Compliant', 'Non-compliant', 'Ready', 'Uses IMDSv1', 'Usage unknown', 'Exempt'];
  const body = summary
    .filter((s) => !failed.has(s.region))
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.region)}</td><td>${escapeHtml(KIND_TITLES[s.kind])}</td>` +
        [s.total, s.compliant, s.nonCompliant, s.ready, s.usesImdsv1, s.usageUnknown, s.exempt].map((n) => `<td class="n">${n}</td>`).join('') +
        '</tr>',
    )
    .join('\n');
  return `<table><thead><tr>${head.map((h, i) => `<th${i > 1 ? ' class="n"' : ''}>${h}</th>`).join('')}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function toHtml(report: ScanReport): string {
  const rows = report.rows;
  const nonCompliant = rows.filter((r) => r.compliance === 'NON_COMPLIANT').length;
  const count = (r: Row['readiness']): number => rows.filter((x) => x.readiness === r).length;
  const failedRegions = report.regions.filter((r) => r.status === 'failed');
  const problems = report.regions.filter((r) => r.errors.length > 0);
  const cards = [
    ['Resources', rows.length],
    ['Non-compliant', nonCompliant],
    ['Ready to enforce', count('ready')],
    ['Still use IMDSv1', count('uses-imdsv1')],
    ['Usage unknown', count('usage-unknown')],
    ['Exempt', count('exempt')],
    ['Regions failed', failedRegions.length],
  ]
    .map(([label, n]) => `<div class="card"><b>${escapeHtml(n)}</b>${escapeHtml(label)}</div>`)
    .join('');
  const problemHtml = problems
    .map(
      (r) =>
        `<div class="fail"><b>${r.account ? `${escapeHtml(r.account)} ` : ''}${escapeHtml(r.region)}</b> ${r.status === 'failed' ? 'failed: nothing could be read' : 'partly read'}<ul>` +
        groupErrors(r.errors).map((g) => `<li>${escapeHtml(errorText(g))}</li>`).join('') +
        '</ul></div>',
    )
    .join('\n');
  const skipped = report.skippedRegions.length
    ? `<p class="meta">Skipped (not opted in): ${escapeHtml(report.skippedRegions.map((s) => s.region).join(', '))}</p>`
    : '';
  const org = report.organization !== undefined;
  const title = org ? `imds-guard scan · organization (${report.organization?.accounts.length} accounts)` : `imds-guard scan · ${report.account}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>IMDSv2 readiness · ${org ? `organization, ${escapeHtml(report.organization?.accounts.length)} accounts (run from ${escapeHtml(report.account)})` : `account ${escapeHtml(report.account)}`}</h1>
<p class="meta">Generated ${escapeHtml(report.generatedAt)} by imds-guard ${escapeHtml(report.version)} · regions ${escapeHtml(report.regions.map((r) => r.region).join(', '))} · IMDSv1 look-back ${escapeHtml(report.lookbackDays)} days · exempt tag <code>${escapeHtml(report.exemptTagKey)}</code></p>
${skipped}
<div class="cards">${cards}</div>
${problemHtml}
${accountTable(report)}
${org ? '' : `<h2>Summary by region and kind</h2>\n${summaryTable(report.summary, new Set(failedRegions.map((r) => r.region)))}`}
<h2>Resources</h2>
<p class="hint"><input type="search" id="q" placeholder="Filter: id, name, reason, readiness…" aria-label="Filter resources"> <span class="meta"><span id="shown">${rows.length}</span> shown · click a column to sort</span></p>
<table id="rows">
<thead><tr>${org ? '<th>Account</th>' : ''}<th>Region</th><th>Kind</th><th>ID</th><th>Name</th><th>Verdict</th><th>Tokens</th><th class="n">Hop</th><th class="n">IMDSv1 calls</th><th>Profile</th><th>Auto Scaling groups</th><th>Readiness</th></tr></thead>
<tbody>
${rows.map((r) => rowHtml(r, org)).join('\n')}
</tbody>
</table>
<p class="meta">Readiness: <b>ready</b> non-compliant with no IMDSv1 calls in the window · <b>uses-imdsv1</b> still makes IMDSv1 calls (update the software first) · <b>usage-unknown</b> not enough MetadataNoToken evidence · <b>exempt</b> carries the exemption tag · <b>compliant</b> already requires IMDSv2.</p>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
