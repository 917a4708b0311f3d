/** `imds-guard rollback` end to end: selection, dry run, exact restore, mark, exit codes. */
import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand, GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataOptionsCommand, type Filter, type Instance } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../cli/args/parse.js';
import { ec2Error } from '../support/aws-errors.js';
import { instance, mockEstate, restore, run, smallEstate, type Mocks } from './harness.js';

const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const C = 'i-0ccccccccccccccc3';
const rec = (at: string, extra = ''): Record<string, string> => ({ 'imds-guard:previous': `at=${at};tokens=optional;hop=3;endpoint=enabled${extra}` });

let mocks: Mocks | undefined;
afterEach(() => {
  if (mocks) restore(mocks);
  mocks = undefined;
});

function estate(instances: Instance[]): Mocks {
  const m = mockEstate({ 'us-east-1': { ...smallEstate(), instances } });
  m.ec2.on(DescribeInstancesCommand).callsFake((input: { Filters?: Filter[]; InstanceIds?: string[] }) => {
    const tagsOf = (i: Instance) => Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value]));
    const list = instances.filter(
      (i) =>
        (!input.InstanceIds || input.InstanceIds.includes(i.InstanceId!)) &&
        (input.Filters ?? []).every((f) =>
          f.Name === 'tag-key' ? f.Values!.some((k) => k in tagsOf(i)) : f.Name!.startsWith('tag:') ? f.Values!.includes(tagsOf(i)[f.Name!.slice(4)]) : true,
        ),
    );
    return { Reservations: list.length ? [{ Instances: list }] : [] };
  });
  m.ec2.on(CreateTagsCommand).resolves({});
  m.ec2.on(DeleteTagsCommand).resolves({});
  // EC2 applies what it is sent, so the read-back after a restore sees it.
  m.ec2.on(ModifyInstanceMetadataOptionsCommand).callsFake((input: { InstanceId: string } & Record<string, unknown>) => {
    const i = instances.find((x) => x.InstanceId === input.InstanceId)!;
    const { InstanceId: _, ...options } = input;
    i.MetadataOptions = { ...i.MetadataOptions, ...options, State: 'pending' };
    return { InstanceId: input.InstanceId, InstanceMetadataOptions: i.MetadataOptions };
  });
  return m;
}

const writes = (m: Mocks) =>
  m.ec2.calls().filter((c) => [CreateTagsCommand, DeleteTagsCommand, ModifyInstanceMetadataOptionsCommand].some((k) => c.args[0] instanceof k));

describe('imds-guard rollback', () => {
  const world = () => [
    instance(A, { tokens: 'required', tags: { team: 'x', ...rec('2026-04-30T10:00:00.000Z') } }),
    instance(B, { tokens: 'required', tags: { team: 'y', ...rec('2026-04-20T10:00:00.000Z', ';tags=enabled') } }),
    instance(C, { tokens: 'required', tags: { team: 'x' } }), // no record: never a candidate
  ];

  it('needs a selection, and names bad input', () => {
    expect(() => parseCli(['rollback'])).toThrow(/--instance, --tag or --since/);
    expect(() => parseCli(['rollback', '--since', 'yesterday'])).toThrow(/not an ISO 8601 time/);
    expect(() => parseCli(['rollback', '--tag', 'team'])).toThrow(/KEY=VALUE/);
    expect(() => parseCli(['rollback', '--instance', 'web-1'])).toThrow(/not an instance id/);
  });

  it('--dry-run lists what would be restored and makes zero writes', async () => {
    mocks = estate(world());
    const r = await run(['rollback', '--tag', 'team=x', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(A);
    expect(r.stdout).not.toContain(C);
    expect(r.stdout).toContain('would restore HttpTokens=optional, HttpPutResponseHopLimit=3, HttpEndpoint=enabled');
    expect(writes(mocks)).toHaveLength(0);
  });

  it('--since selects everything switched at or after the time, restores exactly the record, and marks each instance', async () => {
    mocks = estate(world());
    const r = await run(['rollback', '--since', '2026-04-25', '--yes', '--format', 'json']);
    expect(r.code).toBe(0);
    const modify = mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand);
    expect(modify.map((c) => c.args[0].input)).toEqual([{ InstanceId: A, HttpTokens: 'optional', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled' }]);
    const marks = mocks.ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input.Tags![0]!);
    // pending while the restore runs, "manual" (rolled back by hand) only after the read-back
    expect(marks).toEqual([
      { Key: 'imds-guard:rolled-back', Value: `at=2026-05-01T12:00:00.000Z;action=pending;by=manual` },
      { Key: 'imds-guard:rolled-back', Value: `at=2026-05-01T12:00:00.000Z;action=manual` },
    ]);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({ instanceId: A, status: 'rolled-back' });
  });

  it('by instance id restores every recorded option; a failed restore exits 1 and says which step failed', async () => {
    mocks = estate(world());
    mocks.ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(ec2Error('UnauthorizedOperation', 'denied by an SCP'));
    const r = await run(['rollback', '--instance', B, '--yes']);
    expect(mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)[0]!.args[0].input).toEqual({
      InstanceId: B,
      HttpTokens: 'optional',
      HttpPutResponseHopLimit: 3,
      HttpEndpoint: 'enabled',
      InstanceMetadataTags: 'enabled',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed[\s\S]*rollback failed: AWS refused the restore \(.*UnauthorizedOperation: denied by an SCP/);
    expect(r.stdout).not.toMatch(/ {2}rolled-back {2}|restored HttpTokens/);
    expect(r.stdout).toContain('0 of 1 rolled back.');
    expect(mocks.ec2.commandCalls(DeleteTagsCommand)).toHaveLength(0); // the record stays for another try
    expect(mocks.ec2.commandCalls(CreateTagsCommand).at(-1)!.args[0].input.Tags![0]!.Value).toMatch(/action=failed;by=manual;why=AWS refused the restore/);
  });

  it('says up front that instances cannot be rolled back while the account enforces IMDSv2, and tries none of them', async () => {
    mocks = estate(world());
    mocks.ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'required', HttpTokensEnforced: 'enabled' } });
    const r = await run(['rollback', '--tag', 'team=x', '--yes']);
    expect(r.code).toBe(1);
    expect(writes(mocks)).toHaveLength(0);
    const out = r.stdout.replace(/\s+/g, ' ');
    expect(out).toMatch(/^us-east-1: the account enforces IMDSv2 \(HttpTokensEnforced=enabled\): 1 instance there cannot be rolled back to IMDSv1/);
    expect(out).toContain('imds-guard rollback --account-enforcement --region us-east-1');
    expect(out).toContain(`${A} skipped`);
    expect(out).toContain('cannot be rolled back while the account enforces IMDSv2 in us-east-1');
    expect(mocks.ec2.commandCalls(GetInstanceMetadataDefaultsCommand)).toHaveLength(1);
  });

  it('refuses to write without confirmation when stdin is not a terminal', async () => {
    mocks = estate(world());
    const r = await run(['rollback', '--instance', A]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass --yes, or --dry-run');
    expect(writes(mocks)).toHaveLength(0);
  });
});
