/**
 * An organization for the --org tests: the management account (the caller)
 * with the README's small estate, dev, a sandbox whose role cannot be assumed,
 * prod (eu-west-1 denied) and a suspended account. Member clients are told
 * apart by the access key AssumeRole hands out (`ASIA<account>`).
 */
import { ListAccountsCommand, OrganizationsClient, type Account } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { awsError } from '../../support/aws-errors.js';
import { ACCOUNT, instance, mockEstate, restore, smallEstate, type Estate, type Mocks, type RegionEstate } from '../harness.js';

export const DEV = '222222222222';
export const DENIED = '333333333333';
export const PROD = '444444444444';
export const SUSPENDED = '555555555555';

export function account(Id: string, Name: string, State: Account['State'] = 'ACTIVE'): Account {
  return { Id, Name, State, Status: State === 'SUSPENDED' ? 'SUSPENDED' : 'ACTIVE', Arn: `arn:aws:organizations::${ACCOUNT}:account/o-exampleorgid/${Id}`, Email: `${Name}@example.com` };
}

export function oneInstance(id: string, usage: number[]): RegionEstate {
  return { instances: [instance(id, { name: `app-${id.slice(-4)}` })], templates: [], launchConfigurations: [], groups: [], usage: { [id]: usage }, accountDefaults: { HttpTokens: 'required' } };
}

export const deniedRegion = { refuse: 'denied' } as const;

const mocked: (() => void)[] = [];

/** Restores every client `mockOrganization` stubbed: each test file calls it from `afterEach`. */
export function restoreOrganization(): void {
  for (const undo of mocked.splice(0)) undo();
}

/**
 * Management account (the caller) + dev + a denied account + prod (eu-west-1 denied) + a suspended one.
 * `members` replaces the member accounts' estates; `estates`: each account's regions as the mocks
 * serve them (a test may change them mid-run).
 */
export function mockOrganization(members?: Record<string, Estate>): { mocks: Mocks; org: AwsClientStub<OrganizationsClient>; estates: Record<string, Estate> } {
  const estates: Record<string, Estate> = {
    [ACCOUNT]: { 'us-east-1': smallEstate(), 'eu-west-1': oneInstance('i-0111111111111eu00', [0, 0, 0]) },
    ...(members ?? {
      [DEV]: { 'us-east-1': oneInstance('i-0222222222222aa00', [0, 0, 0]), 'eu-west-1': oneInstance('i-0222222222222eu00', [5]) },
      [PROD]: { 'us-east-1': oneInstance('i-0444444444444aa00', [0, 0, 0]), 'eu-west-1': deniedRegion },
    }),
  };
  const { [ACCOUNT]: own, ...others } = estates;
  const mocks = mockEstate(own ?? {}, [], others);
  // ListAccounts in two pages (NextToken), as the API pages at 20 accounts.
  const org = mockClient(OrganizationsClient);
  org
    .on(ListAccountsCommand)
    .callsFake((input: { NextToken?: string }) =>
      input.NextToken === 'page-2'
        ? { Accounts: [account(PROD, 'prod'), account(SUSPENDED, 'old', 'SUSPENDED')] }
        : { Accounts: [account(ACCOUNT, 'management'), account(DEV, 'dev'), account(DENIED, 'sandbox')], NextToken: 'page-2' },
    );
  mocks.sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string; RoleSessionName: string }) => {
    const id = input.RoleArn.split(':')[4] ?? '';
    if (id === DENIED) {
      throw awsError('STS', 'AccessDenied', `User: arn:aws:sts::${ACCOUNT}:assumed-role/SecurityAudit/alice is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`);
    }
    return {
      Credentials: { AccessKeyId: `ASIA${id}`, SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date('2026-05-01T13:00:00Z') },
      AssumedRoleUser: { Arn: `arn:aws:sts::${id}:assumed-role/imds-guard-member/${input.RoleSessionName}`, AssumedRoleId: 'AROAEXAMPLE:imds-guard-scan' },
    };
  });
  mocked.push(() => {
    restore(mocks);
    org.restore();
  });
  return { mocks, org, estates };
}
