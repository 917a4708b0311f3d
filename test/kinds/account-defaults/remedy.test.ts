/** Fixing the account default (shared/kinds/account-defaults/remedy.ts), through the remediator. */
import { GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { remediate } from '../../../shared/act/index.js';
import { errorText } from '../../../shared/errors.js';
import { accountDefaultsRemedy, fixAccountDefaults } from '../../../shared/kinds/account-defaults/remedy.js';
import { REMEDIES } from '../../../shared/kinds/remedies.js';
import { planFor, remediationHarness } from '../../act/harness.js';
import { accountSubject, policy } from '../../act/helpers.js';
import { ec2Error } from '../../support/aws-errors.js';
import { stageReport } from '../../support/subjects.js';

const { ec2, writes, deps } = remediationHarness();

describe('account defaults', () => {
  it('HttpTokens=required, other fields kept, no HttpTokensEnforced by default', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand)
      .resolvesOnce({ AccountLevel: { HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled', InstanceMetadataTags: 'enabled' } })
      .resolves({ AccountLevel: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    const [outcome] = await remediate([planFor(accountSubject(), policy())], deps(policy()));
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)[0]!.args[0].input).toEqual({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
      HttpEndpoint: 'enabled',
      InstanceMetadataTags: 'enabled',
    });
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'COMPLIANT' });
    // What was sent, then what the defaults say when read again.
    expect(outcome!.message).toBe(
      'Remediated by imds-guard (enforce mode): ModifyInstanceMetadataDefaults in us-east-1: HttpTokens=required; read again: HttpTokens=required, HttpTokensEnforced=no-preference.',
    );
  });

  it('lowers the hop limit when the plan says, and says so', async () => {
    const p = policy({ lowerHopLimit: true });
    ec2.on(GetInstanceMetadataDefaultsCommand)
      .resolvesOnce({ AccountLevel: { HttpPutResponseHopLimit: 5 } })
      .resolves({ AccountLevel: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    const [outcome] = await remediate([planFor(accountSubject({ metadata: { httpPutResponseHopLimit: 5 } }), p)], deps(p));
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)[0]!.args[0].input).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
    expect(outcome!.message).toContain('ModifyInstanceMetadataDefaults in us-east-1: HttpTokens=required, hop limit 2; read again: HttpTokens=required,');
  });

  it('a plan without a target still requires tokens and sends the hop limit back as it is', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand)
      .resolvesOnce({ AccountLevel: { HttpPutResponseHopLimit: 3 } })
      .resolves({ AccountLevel: { HttpTokens: 'required', HttpPutResponseHopLimit: 3 } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    const { target: _target, ...plan } = planFor(accountSubject(), policy());
    const { clients } = deps(policy());
    const result = await fixAccountDefaults(plan, { clients, policy: policy(), groups: undefined as never, actor: 'a test' });
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)[0]!.args[0].input).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 3 });
    expect(result).toMatchObject({ changed: true, verified: 'COMPLIANT' });
    expect(result.message).not.toContain('hop limit');
  });

  it('read again and still not required (or not enforced when asked): verified NON_COMPLIANT, the outcome says what it read', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand).resolvesOnce({ AccountLevel: {} }).resolves({ AccountLevel: {} });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    const [outcome] = await remediate([planFor(accountSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'NON_COMPLIANT' });
    expect(outcome!.message).toContain('read again: HttpTokens=no-preference, HttpTokensEnforced=no-preference');

    ec2.reset();
    const p = policy({ enforceAccountDefault: 'true' });
    ec2.on(GetInstanceMetadataDefaultsCommand).resolvesOnce({ AccountLevel: {} }).resolves({ AccountLevel: { HttpTokens: 'required' } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    const [enforced] = await remediate([planFor(accountSubject({ stage: stageReport('ready') }), p)], deps(p));
    expect(enforced).toMatchObject({ status: 'remediated', verifiedCompliance: 'NON_COMPLIANT' });
    expect(enforced!.message).toContain('HttpTokens=required, HttpTokensEnforced=enabled; read again: HttpTokens=required, HttpTokensEnforced=no-preference');
  });

  it('a refused ModifyInstanceMetadataDefaults fails the outcome with the AWS error, nothing added', async () => {
    const refused = ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.');
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: {} });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).rejects(refused);
    const [outcome] = await remediate([planFor(accountSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'failed', message: `Remediation by imds-guard (enforce mode) failed: ${errorText(refused)}` });
  });

  it('HttpTokensEnforced=enabled only when the policy enables it', async () => {
    const p = policy({ enforceAccountDefault: 'true' });
    ec2.on(GetInstanceMetadataDefaultsCommand)
      .resolvesOnce({ AccountLevel: {} })
      .resolves({ AccountLevel: { HttpTokens: 'required', HttpTokensEnforced: 'enabled' } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    const [outcome] = await remediate([planFor(accountSubject({ stage: stageReport('ready') }), p)], deps(p));
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)[0]!.args[0].input).toEqual({
      HttpTokens: 'required',
      HttpTokensEnforced: 'enabled',
    });
    // Read again: both as asked.
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'COMPLIANT' });
    expect(outcome!.message).toContain('; read again: HttpTokens=required, HttpTokensEnforced=enabled');
  });

  it('defaults managed by a declarative policy are left alone', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { ManagedBy: 'declarative-policy' } });
    const [outcome] = await remediate([planFor(accountSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({
      status: 'skipped',
      message: 'Not remediated: the us-east-1 instance metadata defaults are managed by a declarative policy: change them in AWS Organizations.',
    });
    expect(writes()).toEqual([]);

    // The policy's own message for people who try, when it has one.
    ec2.reset();
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { ManagedBy: 'declarative-policy', ManagedExceptionMessage: 'Ask the platform team.' } });
    const [withMessage] = await remediate([planFor(accountSubject(), policy())], deps(policy()));
    expect(withMessage!.message).toContain('managed by a declarative policy (Ask the platform team.): change them in AWS Organizations');
    expect(writes()).toEqual([]);
  });

  it('grants what it sends on any resource (an account-level setting has no ARN), as a statement of its own', () => {
    const [statement, ...more] = accountDefaultsRemedy.permissions;
    expect(more).toEqual([]);
    expect([...statement!.actions].sort()).toEqual(['ec2:GetInstanceMetadataDefaults', 'ec2:ModifyInstanceMetadataDefaults']);
    expect(statement!.resources).toEqual(['*']);
    expect(statement!.reason).toMatch(/account-level setting: these actions accept no resource ARN/);
    // IAM takes a Sid of letters and digits only; the remediation policy merges statements by Sid.
    expect(statement!.sid).toMatch(/^[A-Za-z0-9]+$/);
    const same = Object.values(REMEDIES).flatMap((r) => r!.permissions).filter((s) => s.sid === statement!.sid);
    expect(same).toEqual([statement]);
  });
});
