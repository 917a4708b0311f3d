import { afterEach, describe, expect, it } from 'vitest';
import { ListAccountsCommand, ListAccountsForParentCommand, ListOrganizationalUnitsForParentCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { REQUEST_LOG_MIDDLEWARE } from '../../../cli/debug.js';
import { forEachAccountRegion, type AccountTarget } from '../../../cli/org/walk.js';
import type { ScanReport } from '../../../cli/scan.js';
import { createClients, type Clients } from '../../../shared/aws/clients.js';
import { awsError } from '../../support/aws-errors.js';
import { ACCOUNT, run } from '../harness.js';
import { account, DEV, mockOrganization, restoreOrganization, PROD, SUSPENDED } from './organization.js';

afterEach(restoreOrganization);

describe('--org: the accounts and their credentials', () => {
  it('uses --role-name and --accounts: only the accounts asked for, an unknown one reported', async () => {
    const { mocks } = mockOrganization();
    const r = await run(['scan', '--org', '--role-name', 'AuditRole', '--accounts', `${DEV},999999999999`, '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(mocks.sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([`arn:aws:iam::${DEV}:role/imds-guard/AuditRole`]);
    expect(report.organization?.accounts.map((a) => [a.account, a.status])).toEqual([
      [DEV, 'ok'],
      ['999999999999', 'failed'],
    ]);
    expect(report.organization?.accounts[1]?.error?.message).toContain('not an ACTIVE account of the organization');
    expect(new Set(report.rows.map((x) => x.account))).toEqual(new Set([DEV]));
    expect(r.code).toBe(1);
  });

  it('--ou walks the OU tree recursively (ListAccountsForParent + ListOrganizationalUnitsForParent)', async () => {
    const { mocks, org } = mockOrganization();
    org.on(ListOrganizationalUnitsForParentCommand).callsFake((input: { ParentId: string }) => ({
      OrganizationalUnits:
        input.ParentId === 'ou-ab12-11111111'
          ? [{ Id: 'ou-ab12-22222222', Name: 'workloads', Arn: 'arn:aws:organizations::111122223333:ou/o-exampleorgid/ou-ab12-22222222' }]
          : [],
    }));
    org.on(ListAccountsForParentCommand).callsFake((input: { ParentId: string; NextToken?: string }) => {
      if (input.ParentId === 'ou-ab12-11111111') return { Accounts: [account(DEV, 'dev')] };
      if (input.ParentId === 'ou-ab12-22222222') {
        return input.NextToken ? { Accounts: [account(SUSPENDED, 'old', 'SUSPENDED')] } : { Accounts: [account(PROD, 'prod')], NextToken: 'n2' };
      }
      return { Accounts: [] };
    });
    const r = await run(['scan', '--org', '--ou', 'ou-ab12-11111111', '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.organization?.accounts.map((a) => a.account)).toEqual([DEV, PROD]);
    expect(org.commandCalls(ListAccountsCommand)).toHaveLength(0);
    expect(org.commandCalls(ListOrganizationalUnitsForParentCommand).map((c) => c.args[0].input.ParentId)).toEqual(['ou-ab12-11111111', 'ou-ab12-22222222']);
    expect(mocks.sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    // The caller's account is not under the OU: not scanned.
    expect(report.rows.some((x) => x.account === ACCOUNT)).toBe(false);
  });

  it('cannot list the organization (not the management account): exit 2 with what to do', async () => {
    const { mocks, org } = mockOrganization();
    org.on(ListAccountsCommand).rejects(
      awsError('Organizations', 'AccessDeniedException', 'You don’t have permissions to access this resource.'),
    );
    const r = await run(['scan', '--org']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot list the organization');
    expect(r.stderr).toContain('management account or a delegated administrator');
    expect(mocks.sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('--debug logs requests of the member accounts\' clients and of Organizations too', async () => {
    mockOrganization();
    const built: Clients[] = [];
    const orgClients: OrganizationsClient[] = [];
    const r = await run(['scan', '--org', '--region', 'us-east-1', '--output', 'json', '--debug'], {
      deps: {
        clientsWith: (region, credentials) => {
          const c = createClients(region, credentials);
          built.push(c);
          return c;
        },
        organizationsFor: (region) => {
          const c = new OrganizationsClient({ region });
          orgClients.push(c);
          return c;
        },
      },
    });
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    expect(built.length).toBeGreaterThanOrEqual(2); // dev and prod through their roles
    expect(orgClients).toHaveLength(1);
    const logged = (client: { middlewareStack: { identify(): string[] } }): boolean => client.middlewareStack.identify().some((m) => m.startsWith(REQUEST_LOG_MIDDLEWARE));
    for (const c of built) for (const client of [c.ec2, c.autoScaling, c.cloudWatch, c.config, c.securityHub]) expect(logged(client)).toBe(true);
    expect(logged(orgClients[0] as OrganizationsClient)).toBe(true);
  });

  it('the Organizations client and member-role clients get the shared timeouts and error naming (shared/aws/clients.ts)', async () => {
    const { defaultOrgDeps } = await import('../../../cli/org/walk.js');
    const { createPreflightClients } = await import('../../../shared/aws/preflight.js');
    const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' };
    const member = defaultOrgDeps().clientsWith('eu-west-1', credentials);
    const pre = createPreflightClients('eu-west-1', credentials);
    const clients = [defaultOrgDeps().organizationsFor('us-east-1'), member.ec2, member.cloudWatch, pre.cloudTrail, pre.lambda, pre.cloudFormation];
    for (const client of clients) {
      const c = client as unknown as { middlewareStack: { identify(): string[] } };
      expect(c.middlewareStack.identify().some((m) => m.startsWith('imdsGuardAnnotateErrors'))).toBe(true);
      expect(c.middlewareStack.identify().some((m) => m.startsWith('imdsGuardRefuseHtml'))).toBe(true);
    }
    // The member role's credentials, not the caller's chain.
    expect(await member.ec2.config.credentials()).toMatchObject({ accessKeyId: 'ASIAEXAMPLE', sessionToken: 'token' });
    expect(await pre.cloudTrail.config.credentials()).toMatchObject({ accessKeyId: 'ASIAEXAMPLE' });
  });

  it('flags without --org are usage errors', async () => {
    const r = await run(['scan', '--accounts', DEV]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--accounts needs --org');
    expect((await run(['scan', '--org', '--concurrency', '0'])).stderr).toContain('--concurrency must be a whole number from 1 to 64');
    expect((await run(['scan', '--org', '--ou', 'finance'])).stderr).toContain('is not an OU id');
  });
});

describe('forEachAccountRegion', () => {
  it('keeps at most `concurrency` account-regions in flight and skips unreadable accounts', async () => {
    const targets: AccountTarget[] = [
      { account: '1', via: 'caller' },
      { account: '2', via: 'role' },
      { account: '3', via: 'role', error: { message: 'denied' } },
      { account: '4', via: 'role' },
    ];
    let inFlight = 0;
    let peak = 0;
    const out = await forEachAccountRegion(targets, ['a', 'b', 'c', 'd'], 3, async (t, region) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return `${t.account}/${region}`;
    });
    expect(peak).toBe(3);
    expect(out.map((o) => o.result)).toEqual(['1/a', '1/b', '1/c', '1/d', '2/a', '2/b', '2/c', '2/d', '4/a', '4/b', '4/c', '4/d']);
  });
});
