/**
 * A migrated launch configuration is finished business: two
 * enforce sweeps over a mocked account that keeps its launch configurations,
 * launch templates (with tags) and Auto Scaling groups between calls. The
 * first sweep migrates; the second makes no write call and plans nothing.
 */
import {
  DeleteLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroup, LaunchConfiguration } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  GetInstanceMetadataDefaultsCommand,
  type LaunchTemplateVersion,
  type Tag,
} from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRemediator } from '../../shared/act/index.js';
import { evaluate } from '../../shared/engine/evaluate.js';
import { createInventory } from '../../shared/wiring/inventory.js';
import { createLoader } from '../../shared/wiring/load.js';
import type { Outcome } from '../../shared/verdict.js';
import { DEFAULT_POLICY, type Policy } from '../../shared/policy.js';
import type { FindingsSink, PublishResult, Report } from '../../shared/engine/ports.js';
import { annotationFor } from '../../shared/sinks/securityhub.js';
import { sweep } from '../../shared/engine/sweep.js';
import { mockedAws } from '../support/mocked-aws.js';
import { ACCOUNT, REGION } from '../support/subjects.js';

const policy: Policy = { ...DEFAULT_POLICY, mode: 'enforce', remediate: { ...DEFAULT_POLICY.remediate, 'account-defaults': false } };
const SCOPE = { account: ACCOUNT, region: REGION };

class RecordingSink implements FindingsSink {
  reports: Report[] = [];
  annotated: Outcome[] = [];
  async publish(reports: readonly Report[]): Promise<PublishResult> {
    this.reports.push(...reports);
    return { published: reports.length, failed: [] };
  }
  async archive(): Promise<PublishResult> {
    return { published: 0, failed: [] };
  }
  async annotate(outcomes: readonly Outcome[]): Promise<PublishResult> {
    this.annotated.push(...outcomes);
    return { published: outcomes.length, failed: [] };
  }
}

/** One account: a launch configuration without MetadataOptions used by one group; templates and groups change as the calls say. */
function account() {
  const { clients, ec2, autoScaling, writes } = mockedAws();
  const lcs: LaunchConfiguration[] = [
    { LaunchConfigurationName: 'legacy-lc', ImageId: 'ami-0abcdef1234567890', InstanceType: 'm5.large', SecurityGroups: ['sg-0aaa'], CreatedTime: new Date('2019-03-01T00:00:00Z') },
  ];
  const groups: AutoScalingGroup[] = [
    { AutoScalingGroupName: 'workers', LaunchConfigurationName: 'legacy-lc', MinSize: 0, MaxSize: 2, DesiredCapacity: 1, DefaultCooldown: 300, AvailabilityZones: ['us-east-1a'], HealthCheckType: 'EC2', CreatedTime: new Date('2019-03-01T00:00:00Z') },
  ];
  const templates: { id: string; name: string; tags: Tag[]; version: LaunchTemplateVersion }[] = [];

  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: {} });
  ec2.on(DescribeLaunchTemplatesCommand).callsFake((input) => {
    const filter = input.Filters?.[0] as { Name: string; Values: string[] } | undefined;
    const key = filter?.Name.startsWith('tag:') ? filter.Name.slice(4) : undefined;
    const list = templates.filter(
      (t) =>
        (!input.LaunchTemplateNames || input.LaunchTemplateNames.includes(t.name)) &&
        (!input.LaunchTemplateIds || input.LaunchTemplateIds.includes(t.id)) &&
        (key === undefined || t.tags.some((tag) => tag.Key === key && filter!.Values.includes(tag.Value ?? ''))),
    );
    return { LaunchTemplates: list.map((t) => ({ LaunchTemplateId: t.id, LaunchTemplateName: t.name, DefaultVersionNumber: 1, LatestVersionNumber: 1, Tags: t.tags })) };
  });
  ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input) => ({
    LaunchTemplateVersions: templates.filter((t) => !input.LaunchTemplateId || t.id === input.LaunchTemplateId).map((t) => t.version),
  }));
  ec2.on(CreateLaunchTemplateCommand).callsFake((input) => {
    const id = `lt-0${String(templates.length + 1).padStart(16, '0')}`;
    const version: LaunchTemplateVersion = { LaunchTemplateId: id, LaunchTemplateName: input.LaunchTemplateName, VersionNumber: 1, DefaultVersion: true, LaunchTemplateData: input.LaunchTemplateData, CreateTime: new Date() };
    templates.push({ id, name: input.LaunchTemplateName, tags: input.TagSpecifications?.[0]?.Tags ?? [], version });
    return { LaunchTemplate: { LaunchTemplateId: id, LaunchTemplateName: input.LaunchTemplateName } };
  });
  autoScaling.on(DescribeLaunchConfigurationsCommand).callsFake((input) => ({
    LaunchConfigurations: lcs.filter((lc) => !input.LaunchConfigurationNames || input.LaunchConfigurationNames.includes(lc.LaunchConfigurationName!)),
  }));
  autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake(() => ({ AutoScalingGroups: groups }));
  autoScaling.on(UpdateAutoScalingGroupCommand).callsFake((input) => {
    const g = groups.find((x) => x.AutoScalingGroupName === input.AutoScalingGroupName)!;
    delete g.LaunchConfigurationName;
    g.LaunchTemplate = { LaunchTemplateId: input.LaunchTemplate.LaunchTemplateId, Version: input.LaunchTemplate.Version };
    return {};
  });
  autoScaling.on(DeleteLaunchConfigurationCommand).callsFake((input) => {
    lcs.splice(lcs.findIndex((lc) => lc.LaunchConfigurationName === input.LaunchConfigurationName), 1);
    return {};
  });

  async function run(p: Policy = policy) {
    const sink = new RecordingSink();
    const loader = createLoader(clients, SCOPE);
    const remediator = createRemediator({ clients, policy: p, account: ACCOUNT, loader, evaluate });
    const summary = await sweep({ inventory: createInventory(clients, SCOPE), deps: { policy: p, loader, findings: sink, remediator } });
    return { summary, sink };
  }
  return { ec2, autoScaling, writes, run, templates, lcs };
}

describe('a migrated launch configuration is superseded', () => {
  let a: ReturnType<typeof account>;
  beforeEach(() => {
    a = account();
  });

  it('the first enforce sweep migrates; the second makes no write call and plans nothing', async () => {
    const first = await a.run();
    expect(a.ec2.commandCalls(CreateLaunchTemplateCommand)).toHaveLength(1);
    expect(a.autoScaling.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input.AutoScalingGroupName)).toEqual(['workers']);
    const migrated = first.sink.annotated.find((o) => o.plan.ref.id === 'legacy-lc')!;
    expect(migrated.status).toBe('remediated');
    expect(annotationFor(migrated)).toMatchObject({ workflow: 'NOTIFIED' });
    expect(annotationFor(migrated).text).toContain('superseded by launch template imds-guard-legacy-lc');

    const before = a.writes();
    expect(before).toEqual(['CreateLaunchTemplate', 'UpdateAutoScalingGroup']);
    const second = await a.run();
    expect(a.writes()).toEqual(before);
    expect(second.summary.remediated).toBe(0);
    const report = second.sink.reports.find((r) => r.verdict.ref.id === 'legacy-lc')!;
    // The finding stays honest: AutoScaling.3 still fails while the configuration exists.
    expect(report.verdict.compliance).toBe('NON_COMPLIANT');
    expect(report.verdict.checks.find((c) => c.check === 'imdsv2')?.reason).toContain('delete the configuration to clear AutoScaling.3');
    expect(report.outcome?.plan).toMatchObject({ action: 'none', execute: false });
    const note = annotationFor(second.sink.annotated.find((o) => o.plan.ref.id === 'legacy-lc')!);
    expect(note).toEqual({
      text: expect.stringMatching(/superseded by launch template imds-guard-legacy-lc \(lt-0\d+\); delete the configuration to clear AutoScaling\.3\.$/),
      workflow: 'NOTIFIED',
    });
  });

  it('a group moved back to the configuration makes it open business again (the template is reused)', async () => {
    await a.run();
    a.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [{ AutoScalingGroupName: 'workers', LaunchConfigurationName: 'legacy-lc', MinSize: 0, MaxSize: 2, DesiredCapacity: 1, DefaultCooldown: 300, AvailabilityZones: ['us-east-1a'], HealthCheckType: 'EC2', CreatedTime: new Date() }],
    });
    const again = await a.run();
    const outcome = again.sink.reports.find((r) => r.verdict.ref.id === 'legacy-lc')!.outcome!;
    expect(outcome.plan.action).toBe('migrate-launch-configuration');
    expect(a.autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(2);
  });

  it('deletes it only when asked, and only with the confirmation when imds-guard cannot tell the account can create one again', async () => {
    await a.run();
    const before = a.writes();
    await a.run({ ...policy, deleteSuperseded: 'true' });
    expect(a.writes()).toEqual(before);
    expect(a.lcs).toHaveLength(1);
    await a.run({ ...policy, deleteSuperseded: 'even-if-unrecreatable' });
    expect(a.autoScaling.commandCalls(DeleteLaunchConfigurationCommand).map((c) => c.args[0].input)).toEqual([{ LaunchConfigurationName: 'legacy-lc' }]);
    expect(a.lcs).toHaveLength(0);
  });
});
