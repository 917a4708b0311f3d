/**
 * doctor's table: per account and region, each check's status, what was
 * found and its fix, wrapped at 80 columns without breaking a command or an
 * ARN; a summary line at the end.
 */
import { doctorExitCode, type CheckStatus, type DoctorReport } from '../doctor/report.js';
import { plural } from './labels.js';
import { clean, wrap } from './text.js';

/** Word wrap that never breaks a word: a command or ARN in a fix stays copy-pasteable (the line may then pass 80). */
function wrapWhole(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

const LABEL: Record<CheckStatus, string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', error: 'ERROR', skip: '-' };
const WIDTH = 80;

export function doctorTable(report: DoctorReport): string {
  const out: string[] = [];
  const accounts = report.organization?.accounts ?? [{ account: report.account, via: 'caller' as const, status: 'ok' as const }];
  out.push(
    `imds-guard doctor · ${report.organization ? `organization, ${plural(accounts.length, 'account')}` : `account ${report.account}`} · ${plural(report.regions.length, 'region')} · ${report.generatedAt.replace(/\.\d+Z$/, 'Z')}`,
  );
  for (const a of accounts) {
    const name = a.name ? ` (${clean(a.name)})` : '';
    if (a.error) {
      out.push('', `${a.account}${name} · FAILED, not checked`);
      const e = a.error;
      out.push(...wrap(`! ${e.code ? `${e.code} on ${e.operation ?? 'AssumeRole'}: ` : ''}${clean(e.message)}${e.hint ? ` (${e.hint})` : ''}`, WIDTH, '    ').map((l, i) => (i === 0 ? `  ${l.trimStart()}` : l)));
      continue;
    }
    for (const region of report.regions) {
      const checks = report.checks.filter((c) => c.account === a.account && c.region === region);
      if (checks.length === 0) continue;
      out.push('', `${a.account}${name} · ${region}`);
      for (const c of checks) {
        // Status and check first, the detail wrapped below it: ARNs and stack names stay whole.
        const indent = ' '.repeat(8);
        const [first = '', ...rest] = wrapWhole(`${c.check}: ${clean(c.detail)}`, WIDTH, indent);
        out.push(`  ${LABEL[c.status].padEnd(5)} ${first.slice(indent.length)}`, ...rest);
        if (c.fix && c.status !== 'ok' && c.status !== 'skip') out.push(...wrapWhole(`fix: ${clean(c.fix)}`, WIDTH, indent));
      }
    }
  }
  const by = (s: CheckStatus): number => report.checks.filter((c) => c.status === s).length;
  const failedAccounts = accounts.filter((a) => a.status === 'failed').length;
  out.push(
    '',
    ...wrap(
      `Summary: ${by('ok')} ok · ${by('fail')} missing · ${by('error')} unreadable · ${by('warn')} warnings` +
        (failedAccounts > 0 ? ` · ${plural(failedAccounts, 'account')} not checked` : '') +
        ` · ${doctorExitCode(report) === 0 ? 'everything needed is there' : 'something needed is missing'}`,
      WIDTH,
    ),
  );
  return `${out.map((l) => l.trimEnd()).join('\n')}\n`;
}
