/**
 * How the hub's custom action reaches a member account: is the account in the
 * organization (Organizations DescribeAccount, or the IMDS_GUARD_MEMBER_ACCOUNTS
 * allow-list), the member role's credentials (STS AssumeRole, once per account
 * by the caller), and the engine in a member region with them, without a
 * findings sink (the member's own pipeline imports its findings).
 */
import { DescribeAccountCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import type { STSClient } from '@aws-sdk/client-sts';
import { errorCode } from '../aws/batch.js';
import type { Clients } from '../aws/clients.js';
import { assumeRole, memberRoleArn, type Credentials } from '../aws/sts.js';
import type { ActionSettings } from './parse.js';
import type { MemberAccess, Membership } from './run.js';
import { engineDeps } from '../wiring/engine-deps.js';
import { runPipeline } from '../engine/pipeline.js';
import type { Policy } from '../policy.js';
import { messageOf } from '../sinks/retry.js';

const SESSION_NAME = 'imds-guard-custom-action';

export interface MemberAccessDeps {
  settings: ActionSettings;
  policy: Policy;
  actor: string;
  sts: Pick<STSClient, 'send'>;
  organizations: Pick<OrganizationsClient, 'send'>;
  /** Clients for a region with assumed credentials (shared/aws/clients.ts createClients). */
  clientsFor: (region: string, credentials: Credentials) => Clients;
}

export function memberAccess(deps: MemberAccessDeps): MemberAccess {
  return {
    async membership(account: string): Promise<Membership> {
      if (deps.settings.memberAccounts) {
        return deps.settings.memberAccounts.has(account)
          ? { member: true }
          : { member: false, reason: `account ${account} is not in IMDS_GUARD_MEMBER_ACCOUNTS` };
      }
      try {
        await deps.organizations.send(new DescribeAccountCommand({ AccountId: account }));
        return { member: true };
      } catch (error) {
        if (errorCode(error) === 'AccountNotFoundException') return { member: false, reason: `account ${account} is not in this organization` };
        // Not able to tell (no permission, Organizations not in use): refuse rather than guess.
        return { member: false, reason: `could not confirm that account ${account} is in this organization (${messageOf(error)})` };
      }
    },
    roleArn: (account, region) => memberRoleArn(account, deps.settings.memberRole, region),
    assume: (account, region) => assumeRole(deps.sts, memberRoleArn(account, deps.settings.memberRole, region), SESSION_NAME),
    async run(account, region, credentials, refs) {
      const engine = engineDeps(deps.clientsFor(region, credentials), { account, region, policy: deps.policy, remediation: true, actor: deps.actor });
      return runPipeline(refs, engine, { humanRequest: true });
    },
  };
}
