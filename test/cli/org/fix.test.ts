import { afterEach, describe, expect, it } from 'vitest';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { realRemediator, type FixReport } from '../../../cli/fix.js';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { ec2Error } from '../../support/aws-errors.js';
import { instance, run, type RegionEstate } from '../harness.js';
import { DENIED, DEV, mockOrganization, restoreOrganization, PROD } from './organization.js';

afterEach(restoreOrganization);

describe('imds-guard fix --org', () => {
  it('dry run plans per account with the same gates; --yes fixes through each account’s own role credentials', async () => {
    const { mocks } = mockOrganization();
    const dry = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1', '--region', 'eu-west-1', '--dry-run', '--format', 'json']);
    const plan = JSON.parse(dry.stdout) as FixReport;
    const devRows = plan.rows.filter((x) => x.account === DEV);
    expect(devRows.map((x) => [x.region, x.id, x.status])).toEqual([
      ['us-east-1', 'i-0222222222222aa00', 'planned'],
      ['eu-west-1', 'i-0222222222222eu00', 'skipped'], // IMDSv1 in use: the gate holds it back
    ]);
    expect(devRows[1]?.blockedBy).toContain('imdsv1-unused');
    expect(plan.organization?.accounts.find((a) => a.account === DENIED)?.status).toBe('failed');
    expect(mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
    expect(dry.code).toBe(1);

    mocks.sts.resetHistory();
    const r = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1', '--region', 'eu-west-1', '--yes']);
    expect(r.stdout).toContain(`account ${DEV}`);
    // Each instance exists only in its own account's estate: it was reached through that account's role credentials.
    const modified = mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).map((c) => c.args[0].input.InstanceId);
    expect(new Set(modified)).toEqual(new Set(['i-0111111111111eu00', 'i-0222222222222aa00', 'i-0444444444444aa00', 'i-0b2c3d4e5f6071829']));
    expect(mocks.modified.has('i-0222222222222eu00')).toBe(false);
    expect(mocks.sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
    expect(r.code).toBe(1); // the denied account and region remain
  });

  it('asks for confirmation and changes nothing on no', async () => {
    const { mocks } = mockOrganization();
    const r = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1'], { stdinIsTTY: true, confirm: false });
    expect(r.stderr).toContain('Nothing changed.');
    expect(mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
  });
});

describe('fix --org --yes, one account-region at a time', () => {
  it('a member session refused while fixing fails that account-region\'s changes only', async () => {
    mockOrganization();
    // EC2's answer to an expired session token.
    const expired = ec2Error('RequestExpired', 'Request has expired.');
    const r = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1', '--yes', '--output', 'json'], {
      deps: {
        remediatorFor: (clients, scope, policy, actor) =>
          scope.account === DEV
            ? async () => {
                throw expired;
              }
            : realRemediator(clients, scope, policy, actor),
      },
    });
    const report = JSON.parse(r.stdout) as FixReport;
    expect(report.rows.find((x) => x.id === 'i-0222222222222aa00')).toMatchObject({ status: 'failed', message: 'Not attempted: Request has expired.' });
    expect(report.rows.find((x) => x.id === 'i-0444444444444aa00')?.status).toBe('remediated');
    expect(report.regions.find((x) => x.account === DEV)?.errors[0]).toMatchObject({ code: 'RequestExpired' });
    expect(report.applied).toBe(true);
    expect(r.code).toBe(1);
  });
});

describe('fix --org asks once, with the organization\'s totals', () => {
  const spools = async (): Promise<string[]> => (await readdir(tmpdir())).filter((n) => n.startsWith('imds-guard-fix-'));

  it('shows every account-region\'s plan and the totals before any change, then applies exactly what was counted', async () => {
    const { mocks, estates } = mockOrganization();
    const before = await spools();
    let asked: { question: string; stderr: string; modifiedBefore: number } | undefined;
    const r = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1', '--region', 'eu-west-1'], {
      stdinIsTTY: true,
      confirm: (question, stderr) => {
        asked = { question, stderr, modifiedBefore: mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).length };
        // Launched while the person reads the plan: not part of what they said yes to.
        const dev = estates[DEV]!['us-east-1'] as RegionEstate;
        dev.instances.push(instance('i-0222222222222new0', { name: 'late' }));
        dev.usage['i-0222222222222new0'] = [0, 0, 0];
        return true;
      },
    });
    expect(asked?.modifiedBefore).toBe(0);
    // 4 cleared (caller: api-2 and the eu instance; dev and prod: one each) in 2 regions of 3 accounts.
    expect(asked?.question).toBe('Apply 4 changes in 2 regions of 3 accounts of the organization?');
    const plan = asked?.stderr.replace(/\s+/g, ' ') ?? '';
    expect(plan).toContain('imds-guard fix · organization, 4 accounts · plan');
    expect(plan).toContain(`account ${DEV} (dev) · us-east-1 TO FIX instance i-0222222222222aa00`);
    expect(plan).toContain(`Summary: 4 to fix · 3 skipped · 1 already compliant · 1 region failed: ${PROD} eu-west-1 · 1 account not read: ${DENIED}`);
    // After the yes: the 4 counted, each through its own account's credentials; the late instance untouched.
    expect(new Set(mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).map((c) => c.args[0].input.InstanceId))).toEqual(
      new Set(['i-0111111111111eu00', 'i-0222222222222aa00', 'i-0444444444444aa00', 'i-0b2c3d4e5f6071829']),
    );
    expect(r.stdout).toContain('imds-guard fix · organization, 4 accounts · result');
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('Summary: 4 fixed · 0 failed · 3 skipped · 1 already compliant');
    expect(r.stdout).not.toContain('i-0222222222222new0');
    expect(r.code).toBe(1); // the denied account and region remain
    expect(await spools()).toEqual(before); // the plan's spool file is gone
  });

  it('a no changes nothing; with --output json the report says not applied', async () => {
    const { mocks } = mockOrganization();
    let question = '';
    const r = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1', '--output', 'json'], { stdinIsTTY: true, confirm: (q) => ((question = q), false) });
    expect(question).toBe('Apply 3 changes in 1 region of 3 accounts of the organization?');
    expect(r.stderr).toContain('Nothing changed.');
    expect(mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
    const report = JSON.parse(r.stdout) as FixReport;
    expect(report.applied).toBe(false);
    expect(report.rows.filter((x) => x.status === 'planned').map((x) => x.id).sort()).toEqual(['i-0222222222222aa00', 'i-0444444444444aa00', 'i-0b2c3d4e5f6071829']);
    expect(r.code).toBe(1);
  });
});
