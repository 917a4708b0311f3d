/** Fixing the account default (shared/kinds/account-defaults/remedy.ts), through the remediator. */
import { GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { remediate } from '../../../shared/act/index.js';
import { planFor, remediationHarness } from '../../act/harness.js';
import { accountSubject, policy } from '../../act/helpers.js';
import { stageReport } from '../../support/subjects.js';

const { ec2, writes, deps } = remediationHarness();

describe('account defaults', () => {
  it('HttpTokens=required, other fields kept, no HttpTokensEnforced by default', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand)
      .resolvesOnce({ AccountLevel: { HttpPutResponseHopLimit: 2, InstanceMetadataTags: 'enabled' } })
      .resolves({ AccountLevel: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    const [outcome] = await remediate([planFor(accountSubject(), policy())], deps(policy()));
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)[0]!.args[0].input).toEqual({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
      InstanceMetadataTags: 'enabled',
    });
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'COMPLIANT' });
  });

  it('HttpTokensEnforced=enabled only when the policy enables it', async () => {
    const p = policy({ enforceAccountDefault: 'true' });
    ec2.on(GetInstanceMetadataDefaultsCommand)
      .resolvesOnce({ AccountLevel: {} })
      .resolves({ AccountLevel: { HttpTokens: 'required', HttpTokensEnforced: 'enabled' } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    await remediate([planFor(accountSubject({ stage: stageReport('ready') }), p)], deps(p));
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)[0]!.args[0].input).toEqual({
      HttpTokens: 'required',
      HttpTokensEnforced: 'enabled',
    });
  });

  it('defaults managed by a declarative policy are left alone', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { ManagedBy: 'declarative-policy' } });
    const [outcome] = await remediate([planFor(accountSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(writes()).toEqual([]);
  });
});
