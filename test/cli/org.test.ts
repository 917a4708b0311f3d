import { afterEach, describe, expect, it } from 'vitest';
import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  OrganizationsClient,
  type Account,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { REQUEST_LOG_MIDDLEWARE } from '../../cli/debug.js';
import type { FixReport } from '../../cli/fix.js';
import { forEachAccountRegion, type AccountTarget } from '../../cli/org.js';
import type { ScanReport } from '../../cli/scan.js';
import { createClients, type Clients } from '../../shared/aws/clients.js';
import { ACCOUNT, instance, mockEstate, restore, run, smallEstate, type Mocks, type RegionEstate } from './harness.js';

const DEV = '222222222222';
const DENIED = '333333333333';
const PROD = '444444444444';
const SUSPENDED = '555555555555';

let mocks: Mocks | undefined;
let org: AwsClientStub<OrganizationsClient> | undefined;
afterEach(() => {
  if (mocks) restore(mocks);
  org?.restore();
  mocks = undefined;
  org = undefined;
});

function account(Id: string, Name: string, State: Account['State'] = 'ACTIVE'): Account {
  return { Id, Name, State, Status: State === 'SUSPENDED' ? 'SUSPENDED' : 'ACTIVE', Arn: `arn:aws:organizations::${ACCOUNT}:account/o-exampleorgid/${Id}`, Email: `${Name}@example.com` };
}

function oneInstance(id: string, usage: number[]): RegionEstate {
  return { instances: [instance(id, { name: `app-${id.slice(-4)}` })], templates: [], launchConfigurations: [], groups: [], usage: { [id]: usage }, accountDefaults: { HttpTokens: 'required' } };
}

const deniedRegion = { deny: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' };

/** Management account (the caller) + dev + a denied account + prod (eu-west-1 denied) + a suspended one. */
function mockOrganization(): void {
  mocks = mockEstate({ 'us-east-1': smallEstate(), 'eu-west-1': oneInstance('i-0111111111111eu00', [0, 0, 0]) }, [], {
    [DEV]: { 'us-east-1': oneInstance('i-0222222222222aa00', [0, 0, 0]), 'eu-west-1': oneInstance('i-0222222222222eu00', [5]) },
    [PROD]: { 'us-east-1': oneInstance('i-0444444444444aa00', [0, 0, 0]), 'eu-west-1': deniedRegion },
  });
  // ListAccounts in two pages (NextToken), as the API pages at 20 accounts.
  org = mockClient(OrganizationsClient);
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
      const error = Object.assign(new Error(`User: arn:aws:sts::${ACCOUNT}:assumed-role/SecurityAudit/alice is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`), {
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
      });
      throw error;
    }
    return {
      Credentials: { AccessKeyId: `ASIA${id}`, SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date('2026-05-01T13:00:00Z') },
      AssumedRoleUser: { Arn: `arn:aws:sts::${id}:assumed-role/imds-guard-member/${input.RoleSessionName}`, AssumedRoleId: 'AROAEXAMPLE:imds-guard-scan' },
    };
  });
}

describe('imds-guard scan --org', () => {
  it('scans every ACTIVE account with one AssumeRole each, lists the denied one with the reason, exit 1', async () => {
    mockOrganization();
    const r = await run(['scan', '--org', '--region', 'us-east-1', '--region', 'eu-west-1', '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as ScanReport;

    // Exactly one AssumeRole per member account, whatever the number of regions; none for the caller's own account.
    const assumed = mocks!.sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn);
    expect(assumed.sort()).toEqual([DEV, DENIED, PROD].map((a) => `arn:aws:iam::${a}:role/imds-guard/imds-guard-member`));
    expect(report.organization?.assumeRoleCalls).toBe(3);
    expect(org!.commandCalls(ListAccountsCommand)).toHaveLength(2);

    const accounts = report.organization?.accounts ?? [];
    expect(accounts.map((a) => [a.account, a.via, a.status])).toEqual([
      [ACCOUNT, 'caller', 'ok'],
      [DEV, 'role', 'ok'],
      [DENIED, 'role', 'failed'],
      [PROD, 'role', 'partial'],
    ]);
    expect(accounts.find((a) => a.account === DENIED)?.error).toMatchObject({ code: 'AccessDenied', operation: 'AssumeRole' });
    expect(accounts.some((a) => a.account === SUSPENDED)).toBe(false);

    // Rows carry account, region, kind, id, verdict and readiness; each from its own account's estate.
    const dev = report.rows.filter((x) => x.account === DEV);
    expect(dev.map((x) => [x.region, x.kind, x.id, x.compliance, x.readiness])).toEqual([
      ['us-east-1', 'instance', 'i-0222222222222aa00', 'NON_COMPLIANT', 'ready'],
      ['us-east-1', 'account-defaults', DEV, 'COMPLIANT', 'compliant'],
      ['eu-west-1', 'instance', 'i-0222222222222eu00', 'NON_COMPLIANT', 'uses-imdsv1'],
      ['eu-west-1', 'account-defaults', DEV, 'COMPLIANT', 'compliant'],
    ]);
    expect(report.rows.filter((x) => x.account === ACCOUNT)).toHaveLength(9 + 2 + 2); // us-east-1 (9 + its 2 Auto Scaling groups), eu-west-1 (2)
    expect(report.rows.some((x) => x.account === DENIED)).toBe(false);
    expect(report.regions.find((x) => x.account === PROD && x.region === 'eu-west-1')?.status).toBe('failed');
    expect(report.summary.find((s) => s.account === DEV && s.region === 'eu-west-1' && s.kind === 'instance')).toMatchObject({ total: 1, usesImdsv1: 1 });
    expect(r.stderr).toContain(`${DENIED}: cannot assume arn:aws:iam::${DENIED}:role/imds-guard/imds-guard-member: AccessDenied`);
  });

  it('groups the table by account with totals per account and for the organization, 80 columns', async () => {
    mockOrganization();
    const r = await run(['scan', '--org', '--region', 'us-east-1', '--region', 'eu-west-1']);
    expect(r.code).toBe(1);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(r.stdout).toContain('organization, 4 accounts');
    const at = (text: string): number => r.stdout.indexOf(text);
    expect(at(`account ${ACCOUNT} (management) · own credentials`)).toBeGreaterThan(0);
    expect(at(`account ${DEV} (dev)`)).toBeGreaterThan(at(`account ${ACCOUNT}`));
    expect(r.stdout).toContain(`account ${DENIED} (sandbox) · FAILED`);
    expect(r.stdout).toMatch(/AccessDenied on AssumeRole/);
    expect(r.stdout).toContain(`account ${DEV}: 2 non-compliant resources of 4`);
    expect(r.stdout).toMatch(new RegExp(`${DENIED}\\s+not read`));
    // Non-compliant: 9 (caller: 6 + its 2 Auto Scaling groups + the eu instance) + 2 (dev) + 1 (prod) of 13 + 4 + 2 resources.
    expect(r.stdout).toMatch(/organization\s+19\s+12\s/);
    expect(r.stdout).toMatch(new RegExp(`${PROD}\\s+PARTIAL\\s+2\\s+1\\s`));
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(`1 region failed: ${PROD} eu-west-1`);
    expect(r.stdout).toContain(`1 account not read: ${DENIED}`);
  });

  it('HTML has an account column and a summary by account (with the reason an account was not read); CSV rows carry their own account', async () => {
    mockOrganization();
    const html = await run(['scan', '--org', '--region', 'us-east-1', '--format', 'html']);
    expect(html.stdout).toContain('<h2>By account</h2>');
    expect(html.stdout).toContain('<th>Region</th><th>Account</th>'); // the resources table
    expect(html.stdout).toContain('IMDSv2 compliance · organization, 4 accounts');
    // The organization's total line: 8 + 1 + 1 non-compliant of 11 + 2 + 2 resources read in us-east-1.
    expect(html.stdout).toMatch(/<tr><td><b>organization<\/b><\/td><td><\/td><td><\/td><td><\/td>(<td class="n"><b>\d+<\/b><\/td>)*<td class="n"><b>10<\/b><\/td><td class="n"><b>15<\/b><\/td>/);
    expect(html.stdout).toContain(`<td><code>${DENIED}</code></td><td>sandbox</td>`);
    expect(html.stdout).toMatch(/failed: AccessDenied: User: arn:aws:sts::\d+:assumed-role\/SecurityAudit\/alice is not authorized/);
    expect(html.stdout).toContain('&lt;script&gt;'); // tag values still escaped
    expect(html.stdout).not.toContain('<script>alert');
    const csv = await run(['scan', '--org', '--region', 'us-east-1', '--format', 'csv']);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines.find((l) => l.includes('i-0222222222222aa00'))?.startsWith(`${DEV},us-east-1,instance,`)).toBe(true);
    expect(lines.find((l) => l.includes('i-0444444444444aa00'))?.startsWith(`${PROD},us-east-1,instance,`)).toBe(true);
  });

  it('a member session refused mid-run (ExpiredToken) fails that account-region only', async () => {
    mockOrganization();
    restore(mocks!);
    mocks = mockEstate({ 'us-east-1': smallEstate() }, [], {
      [DEV]: { 'us-east-1': { deny: 'ExpiredToken', message: 'The security token included in the request is expired' } },
      [PROD]: { 'us-east-1': oneInstance('i-0444444444444aa00', [0, 0, 0]) },
    });
    mocks.sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
      const id = input.RoleArn.split(':')[4] ?? '';
      return { Credentials: { AccessKeyId: `ASIA${id}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2026-05-01T13:00:00Z') } };
    });
    const r = await run(['scan', '--org', '--accounts', `${DEV},${PROD}`, '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.organization?.accounts.map((a) => [a.account, a.status])).toEqual([
      [DEV, 'failed'],
      [PROD, 'ok'],
    ]);
    expect(report.regions.find((x) => x.account === DEV)?.errors[0]).toMatchObject({ code: 'ExpiredToken' });
    expect(report.rows.some((x) => x.account === PROD)).toBe(true);
    expect(r.code).toBe(1);
  });

  it('uses --role-name and --accounts: only the accounts asked for, an unknown one reported', async () => {
    mockOrganization();
    const r = await run(['scan', '--org', '--role-name', 'AuditRole', '--accounts', `${DEV},999999999999`, '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(mocks!.sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([`arn:aws:iam::${DEV}:role/imds-guard/AuditRole`]);
    expect(report.organization?.accounts.map((a) => [a.account, a.status])).toEqual([
      [DEV, 'ok'],
      ['999999999999', 'failed'],
    ]);
    expect(report.organization?.accounts[1]?.error?.message).toContain('not an ACTIVE account of the organization');
    expect(new Set(report.rows.map((x) => x.account))).toEqual(new Set([DEV]));
    expect(r.code).toBe(1);
  });

  it('--ou walks the OU tree recursively (ListAccountsForParent + ListOrganizationalUnitsForParent)', async () => {
    mockOrganization();
    org!.on(ListOrganizationalUnitsForParentCommand).callsFake((input: { ParentId: string }) => ({
      OrganizationalUnits:
        input.ParentId === 'ou-ab12-11111111'
          ? [{ Id: 'ou-ab12-22222222', Name: 'workloads', Arn: 'arn:aws:organizations::111122223333:ou/o-exampleorgid/ou-ab12-22222222' }]
          : [],
    }));
    org!.on(ListAccountsForParentCommand).callsFake((input: { ParentId: string; NextToken?: string }) => {
      if (input.ParentId === 'ou-ab12-11111111') return { Accounts: [account(DEV, 'dev')] };
      if (input.ParentId === 'ou-ab12-22222222') {
        return input.NextToken ? { Accounts: [account(SUSPENDED, 'old', 'SUSPENDED')] } : { Accounts: [account(PROD, 'prod')], NextToken: 'n2' };
      }
      return { Accounts: [] };
    });
    const r = await run(['scan', '--org', '--ou', 'ou-ab12-11111111', '--format', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.organization?.accounts.map((a) => a.account)).toEqual([DEV, PROD]);
    expect(org!.commandCalls(ListAccountsCommand)).toHaveLength(0);
    expect(org!.commandCalls(ListOrganizationalUnitsForParentCommand).map((c) => c.args[0].input.ParentId)).toEqual(['ou-ab12-11111111', 'ou-ab12-22222222']);
    expect(mocks!.sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    // The caller's account is not under the OU: not scanned.
    expect(report.rows.some((x) => x.account === ACCOUNT)).toBe(false);
  });

  it('cannot list the organization (not the management account): exit 2 with what to do', async () => {
    mockOrganization();
    org!.on(ListAccountsCommand).rejects(
      Object.assign(new Error('You don’t have permissions to access this resource.'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
    );
    const r = await run(['scan', '--org']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot list the organization');
    expect(r.stderr).toContain('management account or a delegated administrator');
    expect(mocks!.sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
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
    const { defaultOrgDeps } = await import('../../cli/org.js');
    const { createPreflightClients } = await import('../../shared/aws/preflight.js');
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

describe('imds-guard fix --org', () => {
  it('dry run plans per account with the same gates; --yes fixes through each account’s own role credentials', async () => {
    mockOrganization();
    const dry = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1', '--region', 'eu-west-1', '--dry-run', '--format', 'json']);
    const plan = JSON.parse(dry.stdout) as FixReport;
    const devRows = plan.rows.filter((x) => x.account === DEV);
    expect(devRows.map((x) => [x.region, x.id, x.status])).toEqual([
      ['us-east-1', 'i-0222222222222aa00', 'planned'],
      ['eu-west-1', 'i-0222222222222eu00', 'skipped'], // IMDSv1 in use: the gate holds it back
    ]);
    expect(devRows[1]?.blockedBy).toContain('imdsv1-unused');
    expect(plan.organization?.accounts.find((a) => a.account === DENIED)?.status).toBe('failed');
    expect(mocks!.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
    expect(dry.code).toBe(1);

    mocks!.sts.resetHistory();
    const r = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1', '--region', 'eu-west-1', '--yes']);
    expect(r.stdout).toContain(`account ${DEV}`);
    // Each instance exists only in its own account's estate: it was reached through that account's role credentials.
    const modified = mocks!.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).map((c) => c.args[0].input.InstanceId);
    expect(new Set(modified)).toEqual(new Set(['i-0111111111111eu00', 'i-0222222222222aa00', 'i-0444444444444aa00', 'i-0b2c3d4e5f6071829']));
    expect(mocks!.modified.has('i-0222222222222eu00')).toBe(false);
    expect(mocks!.sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
    expect(r.code).toBe(1); // the denied account and region remain
  });

  it('asks for confirmation and changes nothing on no', async () => {
    mockOrganization();
    const r = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1'], { stdinIsTTY: true, confirm: false });
    expect(r.stderr).toContain('Nothing changed.');
    expect(mocks!.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
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

