import { afterEach, describe, expect, it } from 'vitest';
import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  ModifyInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataOptionsCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import type { FixReport } from '../../cli/fix.js';
import { migratedEstate, mockEstate, restore, run, smallEstate, type Mocks } from './harness.js';

let mocks: Mocks | undefined;
afterEach(() => {
  if (mocks) restore(mocks);
  mocks = undefined;
});

/** Output with line wrapping undone, for phrases that may wrap. */
const flat = (text: string): string => text.replace(/\s+/g, ' ');

function writes(m: Mocks): number {
  return (
    m.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).length +
    m.ec2.commandCalls(CreateLaunchTemplateVersionCommand).length +
    m.ec2.commandCalls(ModifyLaunchTemplateCommand).length +
    m.ec2.commandCalls(CreateLaunchTemplateCommand).length +
    m.ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand).length +
    m.autoScaling.commandCalls(UpdateAutoScalingGroupCommand).length
  );
}

describe('imds-guard fix', () => {
  it('--dry-run prints the exact plan for every kind and makes no write call', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const r = await run(['fix', '--dry-run']);
    expect(writes(mocks)).toBe(0);
    expect(r.stdout).toContain('dry run: nothing is changed');
    expect(r.stdout).toMatch(/WOULD FIX\s+instance\s+i-0b2c3d4e5f6071829\s+api-2/);
    expect(flat(r.stdout)).toContain('Will set HttpTokens=required on instance i-0b2c3d4e5f6071829 (hop limit kept at 2)');
    expect(r.stdout).toMatch(/SKIP\s+instance\s+i-0a1b2c3d4e5f60718/);
    expect(flat(r.stdout)).toContain('Skipped: 42 IMDSv1 calls in 14 days, last 2026-04-29T12:00:00Z: update that software to IMDSv2 first');
    expect(flat(r.stdout)).toContain('no MetadataNoToken datapoints in the last 14 days; `imds-guard fix --override-usage-unknown` fixes it anyway');
    expect(r.stdout).not.toMatch(/IMDS_GUARD_USAGE_UNKNOWN|detect mode/);
    expect(r.stdout).toMatch(/SKIP\s+instance\s+i-0c3d4e5f607182930/);
    expect(r.stdout).toMatch(/WOULD FIX\s+launch-template\s+lt-0123456789abcdef0/);
    expect(r.stdout).toMatch(/WOULD FIX\s+launch-configuration\s+legacy-workers-2019/);
    expect(r.stdout).toMatch(/WOULD FIX\s+account-defaults\s+111122223333/);
    // Groups are planned too: web-asg resolves $Default, which allows IMDSv1; workers launches from the configuration.
    expect(flat(r.stdout)).toContain('SKIP auto-scaling-group web-asg Skipped: leave group web-asg as it is');
    expect(flat(r.stdout)).toContain('fix the template first (EC2.170).');
    expect(flat(r.stdout)).toContain('SKIP auto-scaling-group workers Skipped: leave group workers as it is');
    expect(flat(r.stdout)).toContain('Summary: 4 to fix · 4 skipped · 2 already compliant');
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(r.code).toBe(1);
  });

  it('--dry-run in an account-region that enforces IMDSv2 says, before the change, that a switch cannot be rolled back', async () => {
    mocks = mockEstate({ 'us-east-1': { ...smallEstate(), accountDefaults: { HttpTokens: 'required', HttpTokensEnforced: 'enabled' } } });
    const r = await run(['fix', '--dry-run', '--kind', 'instance']);
    expect(writes(mocks)).toBe(0);
    expect(flat(r.stdout)).toContain(
      'Will set HttpTokens=required on instance i-0b2c3d4e5f6071829 (hop limit kept at 2); this cannot be rolled back while the account enforces IMDSv2 in us-east-1',
    );
  });

  it('--dry-run --format json lists plans with the gates that held resources back', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const r = await run(['fix', '--dry-run', '--kind', 'instance', '--format', 'json']);
    const report = JSON.parse(r.stdout) as FixReport;
    expect(report.dryRun).toBe(true);
    expect(report.rows.map((x) => [x.id, x.status, x.blockedBy])).toEqual([
      ['i-0a1b2c3d4e5f60718', 'skipped', ['imdsv1-unused']],
      ['i-0b2c3d4e5f6071829', 'planned', []],
      ['i-0c3d4e5f607182930', 'skipped', ['usage-known']],
    ]);
    expect(writes(mocks)).toBe(0);
  });

  it('--yes fixes what the gates allow, verifies it, and prints a result line per resource', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const r = await run(['fix', '--yes', '--kind', 'instance']);
    const calls = mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([{ InstanceId: 'i-0b2c3d4e5f6071829', HttpTokens: 'required' }]);
    expect(mocks.autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
    expect(r.stdout).toMatch(/FIXED\s+instance\s+i-0b2c3d4e5f6071829/);
    expect(r.stdout).toContain('[verified COMPLIANT]');
    expect(r.stdout).toMatch(/SKIPPED\s+instance\s+i-0a1b2c3d4e5f60718/);
    expect(flat(r.stdout)).toContain('Summary: 1 fixed · 0 failed · 2 skipped');
    expect(r.code).toBe(1); // two instances stay non-compliant
  });

  it('describes again before writing: an exemption tag added after the plan was read is respected', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const id = 'i-0b2c3d4e5f6071829';
    // the inventory listing (no ids) still sees the instance untagged; the re-describe by id sees the new tag
    const listed = smallEstate().instances.find((i) => i.InstanceId === id)!;
    mocks.ec2.on(DescribeInstancesCommand, { InstanceIds: [id] }).resolves({
      Reservations: [{ Instances: [{ ...listed, Tags: [...(listed.Tags ?? []), { Key: 'imds-guard:exempt', Value: 'ticket-42' }] }] }],
    });
    const r = await run(['fix', '--yes', '--kind', 'instance']);
    expect(mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
    expect(r.stdout).not.toMatch(/FIXED\s+instance/);
  });

  it('--override-usage-unknown also fixes instances without evidence, never those using IMDSv1', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const r = await run(['fix', '--yes', '--kind', 'instance', '--override-usage-unknown']);
    const ids = mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).map((c) => c.args[0].input.InstanceId).sort();
    expect(ids).toEqual(['i-0b2c3d4e5f6071829', 'i-0c3d4e5f607182930']);
    expect(r.code).toBe(1);
  });

  it('exit 0 when everything cleared is fixed and verified', async () => {
    const estate = smallEstate();
    estate.instances = estate.instances.filter((i) => i.InstanceId === 'i-0b2c3d4e5f6071829');
    mocks = mockEstate({ 'us-east-1': estate });
    const r = await run(['fix', '--yes', '--kind', 'instance']);
    expect(r.code).toBe(0);
  });

  it('asks on a terminal; "no" changes nothing', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const r = await run(['fix', '--kind', 'instance'], { stdinIsTTY: true, confirm: false });
    expect(r.stderr).toMatch(/TO FIX\s+instance\s+i-0b2c3d4e5f6071829/);
    expect(r.stderr).toContain('Nothing changed.');
    expect(writes(mocks)).toBe(0);
    expect(r.code).toBe(1);
    const yes = await run(['fix', '--kind', 'instance'], { stdinIsTTY: true, confirm: true });
    expect(mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(1);
    expect(yes.stdout).toMatch(/FIXED\s+instance\s+i-0b2c3d4e5f6071829/);
  });

  it('refuses without --yes when stdin is not a terminal (exit 2, before any AWS call)', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const r = await run(['fix']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass --yes');
    expect(mocks.sts.calls()).toHaveLength(0);
    expect(mocks.ec2.calls()).toHaveLength(0);
  });

  it('one region denied: the other is fixed, the failure is listed, exit 1', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate(), 'eu-west-1': { refuse: 'denied' } });
    const r = await run(['fix', '--yes', '--kind', 'instance', '--region', 'eu-west-1', '--region', 'us-east-1']);
    expect(mocks.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(1);
    expect(r.stdout).toContain('eu-west-1 · FAILED');
    expect(flat(r.stdout)).toContain('UnauthorizedOperation on DescribeInstances');
    expect(flat(r.stdout)).toContain('1 region failed: eu-west-1');
    expect(r.code).toBe(1);
  });
});

describe('a superseded launch configuration', () => {
  it('fix --dry-run no longer offers to create the template again, shows it as superseded and does not count it', async () => {
    mocks = mockEstate({ 'us-east-1': smallEstate() });
    const before = await run(['fix', '--dry-run', '--kind', 'launch-configuration']);
    expect(flat(before.stdout)).toContain('create launch template imds-guard-legacy-workers-2019');
    expect(before.code).toBe(1);
    restore(mocks);

    mocks = mockEstate({ 'us-east-1': migratedEstate() });
    const r = await run(['fix', '--dry-run', '--kind', 'launch-configuration']);
    expect(flat(r.stdout)).not.toContain('create launch template');
    expect(r.stdout).toMatch(/SUPERSEDED\s+launch-configuration\s+legacy-workers-2019/);
    expect(flat(r.stdout)).toContain(
      'superseded by launch template imds-guard-legacy-workers-2019 (lt-0aaaabbbbccccdddd); delete the configuration to clear AutoScaling.3',
    );
    expect(r.code).toBe(0);
    const json = JSON.parse((await run(['fix', '--dry-run', '--kind', 'launch-configuration', '--output', 'json'])).stdout) as FixReport;
    expect(json.rows).toMatchObject([{ id: 'legacy-workers-2019', status: 'superseded', action: 'none' }]);
    expect(writes(mocks)).toBe(0);
  });

  it('--delete-superseded offers the deletion, held until --even-if-unrecreatable confirms it (configuration from 2019)', async () => {
    mocks = mockEstate({ 'us-east-1': migratedEstate() });
    const held = JSON.parse((await run(['fix', '--dry-run', '--delete-superseded', '--kind', 'launch-configuration', '--output', 'json'])).stdout) as FixReport;
    expect(held.rows).toMatchObject([{ id: 'legacy-workers-2019', status: 'superseded', action: 'delete-launch-configuration', blockedBy: ['recreatable'] }]);
    expect(held.rows[0]!.message).toContain('cannot tell whether this account can create launch configurations again');
    const confirmed = JSON.parse(
      (await run(['fix', '--dry-run', '--delete-superseded', '--even-if-unrecreatable', '--kind', 'launch-configuration', '--output', 'json'])).stdout,
    ) as FixReport;
    expect(confirmed.rows).toMatchObject([{ id: 'legacy-workers-2019', status: 'planned', action: 'delete-launch-configuration' }]);
    expect((await run(['fix', '--dry-run', '--even-if-unrecreatable'])).code).toBe(2);
    expect(writes(mocks)).toBe(0);
  });
});
