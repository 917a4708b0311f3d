import { describe, expect, it } from 'vitest';
import type { Check, DoctorReport } from '../../../cli/doctor/report.js';
import { doctorTable } from '../../../cli/format/doctor.js';

const ACCOUNT = '111122223333';
const OTHER = '222233334444';
const ARN = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/a-trail-name-long-enough-to-pass-the-width-of-any-terminal-line-by-itself`;

function report(checks: Check[], organization?: DoctorReport['organization']): DoctorReport {
  return {
    tool: 'imds-guard',
    version: '0.1.0',
    command: 'doctor',
    account: ACCOUNT,
    generatedAt: '2026-05-01T12:00:00.123Z',
    regions: ['eu-west-1'],
    checks,
    ...(organization ? { organization } : {}),
  };
}

describe('doctor table', () => {
  it('labels each status, shows the fix only when something is wrong, and never breaks a command or an ARN', () => {
    const text = doctorTable(
      report([
        { account: ACCOUNT, region: 'eu-west-1', check: 'config', status: 'ok', detail: 'recorder default is recording 4 of 4 resource types', fix: 'never shown' },
        { account: ACCOUNT, region: 'eu-west-1', check: 'cloudtrail', status: 'fail', detail: 'trail exists but is not logging', fix: `aws cloudtrail start-logging --name ${ARN}` },
        { account: ACCOUNT, region: 'eu-west-1', check: 'sweep', status: 'skip', detail: 'no stack, no sweep' },
      ]),
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe(`imds-guard doctor · account ${ACCOUNT} · 1 region · 2026-05-01T12:00:00Z`);
    expect(lines).toContain(`${ACCOUNT} · eu-west-1`);
    expect(text).toMatch(/^ {2}ok {4}config: recorder default/m);
    expect(text).toMatch(/^ {2}FAIL {2}cloudtrail: trail exists but is not logging/m);
    expect(text).toMatch(/^ {2}- {5}sweep: no stack, no sweep/m);
    expect(text).not.toContain('never shown');
    // The ARN is one word on its own line (longer than 80 columns), not cut.
    expect(lines).toContain(`        ${ARN}`);
    expect(text.replace(/\s+/g, ' ')).toContain('Summary: 1 ok · 1 missing · 0 unreadable · 0 warnings · something needed is missing');
  });

  it('--org: an account that could not be read says why and is counted in the summary', () => {
    const text = doctorTable(
      report([{ account: ACCOUNT, region: 'eu-west-1', check: 'stack', status: 'ok', detail: 'stack imds-guard UPDATE_COMPLETE' }], {
        roleName: 'imds-guard-member',
        assumeRoleCalls: 1,
        accounts: [
          { account: ACCOUNT, name: 'management', via: 'caller', status: 'ok' },
          { account: OTHER, name: 'sandbox', via: 'role', status: 'failed', error: { code: 'AccessDenied', operation: 'AssumeRole', message: 'not authorized', hint: 'deploy the member stack' } },
        ],
      }),
    );
    expect(text.split('\n')[0]).toMatch(/^imds-guard doctor · organization, 2 accounts · 1 region · /);
    expect(text).toContain(`${ACCOUNT} (management) · eu-west-1`);
    expect(text).toContain(`${OTHER} (sandbox) · FAILED, not checked`);
    expect(text).toContain('  ! AccessDenied on AssumeRole: not authorized (deploy the member stack)');
    expect(text.replace(/\s+/g, ' ')).toContain('Summary: 1 ok · 0 missing · 0 unreadable · 0 warnings · 1 account not checked · something needed is missing');
  });
});
