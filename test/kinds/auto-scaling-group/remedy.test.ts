/** Repointing an Auto Scaling group (shared/kinds/auto-scaling-group/remedy.ts), through the remediator. */
import { groupRecord } from '../../aws/helpers.js';
import { DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import {
  DescribeLaunchTemplateVersionsCommand,
  GetInstanceMetadataDefaultsCommand,
  type LaunchTemplateInstanceMetadataOptions,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { remediate } from '../../../shared/act/index.js';
import { AUTO_SCALING_GROUP_PERMISSIONS } from '../../../shared/kinds/auto-scaling-group/aws.js';
import { autoScalingGroupRemedy } from '../../../shared/kinds/auto-scaling-group/remedy.js';
import type { AutoScalingGroupSubject, LaunchTemplateSource } from '../../../shared/kinds/auto-scaling-group/subject.js';
import { REMEDIES } from '../../../shared/kinds/remedies.js';
import { planFor, remediationHarness } from '../../act/harness.js';
import { policy, ref } from '../../act/helpers.js';

const { ec2, autoScaling, writes, deps } = remediationHarness();

const WEB = 'lt-0a1b2c3d4e5f60718';
const ARM = 'lt-09d958b8fb2ba5bcc';
const OPEN: LaunchTemplateInstanceMetadataOptions = { HttpTokens: 'optional', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' };
const CLOSED: LaunchTemplateInstanceMetadataOptions = { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' };

/** Each template's versions (number → MetadataOptions) and its default version. */
type Templates = Record<string, { name: string; default: number; versions: Record<number, LaunchTemplateInstanceMetadataOptions> }>;

/** DescribeLaunchTemplateVersions as EC2 answers it for the requested numbers, `$Default` and `$Latest`. */
function templates(table: Templates) {
  ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: { LaunchTemplateId: string; Versions: string[] }) => {
    const t = table[input.LaunchTemplateId]!;
    const numbers = Object.keys(t.versions).map(Number);
    const chosen = new Set(input.Versions.map((v) => (v === '$Default' ? t.default : v === '$Latest' ? Math.max(...numbers) : Number(v))));
    const LaunchTemplateVersions: LaunchTemplateVersion[] = [...chosen].map((n) => ({
      LaunchTemplateId: input.LaunchTemplateId,
      LaunchTemplateName: t.name,
      VersionNumber: n,
      DefaultVersion: n === t.default,
      LaunchTemplateData: { MetadataOptions: t.versions[n] },
    }));
    return { LaunchTemplateVersions };
  });
}

function groupsNow(groups: AutoScalingGroup[]) {
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: groups });
}

/** What DescribeAutoScalingGroups always returns besides the launch sources. */
const BASE = groupRecord('web-asg');

const pinned: AutoScalingGroup = { ...BASE, LaunchTemplate: { LaunchTemplateId: WEB, LaunchTemplateName: 'web-lt', Version: '1' } };

/** The group as it was judged: pinned to version 1 (allows IMDSv1) of a template whose default (2) requires tokens. */
function judged(sources: Partial<LaunchTemplateSource>[] = [{}]): AutoScalingGroupSubject {
  return {
    kind: 'auto-scaling-group',
    ref: ref('auto-scaling-group', 'web-asg'),
    name: 'web-asg',
    tags: {},
    sources: sources.map((s) => ({
      type: 'launch-template',
      origin: 'group',
      templateId: WEB,
      templateName: 'web-lt',
      requestedVersion: '1',
      resolvedVersion: 1,
      defaultVersion: 2,
      metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' },
      defaultMetadata: { httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' },
      ...s,
    })),
  };
}

describe('auto scaling group', () => {
  it('describes the group again and points its pinned template at the compliant $Default, nothing else', async () => {
    groupsNow([pinned]);
    templates({ [WEB]: { name: 'web-lt', default: 2, versions: { 1: OPEN, 2: CLOSED } } });
    autoScaling.on(UpdateAutoScalingGroupCommand).resolves({});
    const plan = planFor(judged(), policy());
    expect(plan.execute).toBe(true);
    const [outcome] = await remediate([plan], deps(policy()));
    expect(outcome).toMatchObject({ status: 'remediated' });
    expect(outcome!.message).toContain('pointed group web-asg at $Default (version 2) of launch template web-lt');
    expect(outcome!.message).toContain('instead of version 1');
    const described = autoScaling.commandCalls(DescribeAutoScalingGroupsCommand).map((c) => c.args[0].input.AutoScalingGroupNames);
    expect(described.length).toBeGreaterThan(0);
    expect(described.every((names) => JSON.stringify(names) === JSON.stringify(['web-asg']))).toBe(true);
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: 'web-asg', LaunchTemplate: { LaunchTemplateId: WEB, Version: '$Default' } },
    ]);
    expect(writes()).toEqual(['UpdateAutoScalingGroup']);
  });

  it('refuses a group that no longer exists, changing nothing', async () => {
    templates({ [WEB]: { name: 'web-lt', default: 2, versions: { 1: OPEN, 2: CLOSED } } });
    const [outcome] = await remediate([planFor(judged(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped', message: 'Not remediated: group web-asg no longer exists.' });
    expect(writes()).toEqual([]);
  });

  it('judges the default version with the account default for what it leaves unset, read from the account', async () => {
    groupsNow([pinned]);
    // Version 2 leaves HttpTokens unset: the account default (required) decides it.
    templates({ [WEB]: { name: 'web-lt', default: 2, versions: { 1: OPEN, 2: { HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' } } } });
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'required' } });
    autoScaling.on(UpdateAutoScalingGroupCommand).resolves({});
    const [outcome] = await remediate([planFor(judged(), policy())], deps(policy()));
    expect(ec2.commandCalls(GetInstanceMetadataDefaultsCommand)).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 'remediated' });
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(1);
  });

  it('refuses, with every reason, when the default version no longer helps by the time of the call', async () => {
    // Planned as fixable; since then the default versions of both templates allow IMDSv1 again.
    groupsNow([
      {
        ...BASE,
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateId: WEB, LaunchTemplateName: 'web-lt', Version: '1' },
            Overrides: [{ InstanceType: 'c6g.large', LaunchTemplateSpecification: { LaunchTemplateId: ARM, LaunchTemplateName: 'arm-lt', Version: '$Latest' } }],
          },
        },
      },
    ]);
    templates({
      [WEB]: { name: 'web-lt', default: 2, versions: { 1: OPEN, 2: OPEN } },
      [ARM]: { name: 'arm-lt', default: 5, versions: { 5: OPEN, 6: OPEN } },
    });
    const plan = planFor(judged([{ origin: 'mixed-instances-policy' }]), policy());
    const [outcome] = await remediate([plan], deps(policy()));
    expect(outcome!.status).toBe('skipped');
    expect(outcome!.message).toMatch(/^Not remediated: /);
    expect(outcome!.message).toContain('the default version 2 of launch template web-lt (lt-0a1b2c3d4e5f60718) allows IMDSv1 too: fix the template first (EC2.170). ');
    expect(outcome!.message).toContain('the default version 5 of launch template arm-lt (lt-09d958b8fb2ba5bcc) allows IMDSv1 too');
    expect(writes()).toEqual([]);
  });

  it('refuses a group someone has already pointed at a compliant version: nothing left to change', async () => {
    groupsNow([{ ...pinned, LaunchTemplate: { LaunchTemplateId: WEB, LaunchTemplateName: 'web-lt', Version: '$Default' } }]);
    templates({ [WEB]: { name: 'web-lt', default: 2, versions: { 1: OPEN, 2: CLOSED } } });
    const [outcome] = await remediate([planFor(judged(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped', message: 'Not remediated: group web-asg has nothing to point elsewhere any more.' });
    expect(writes()).toEqual([]);
  });

  it('grants the describe calls it repeats on any resource (they take no ARN), as a statement of its own', () => {
    const read = autoScalingGroupRemedy.permissions.find((s) => s.actions.includes('autoscaling:DescribeAutoScalingGroups'))!;
    expect(read.actions).toEqual(AUTO_SCALING_GROUP_PERMISSIONS.read);
    expect(read.resources).toEqual(['*']);
    expect(read.reason).toMatch(/no resource ARN/);
    // IAM takes a Sid of letters and digits only; the remediation policy merges statements by Sid.
    expect(read.sid).toMatch(/^[A-Za-z0-9]+$/);
    const others = Object.values(REMEDIES).flatMap((r) => r!.permissions).filter((s) => s.sid === read.sid);
    expect(others.every((s) => JSON.stringify(s.resources) === JSON.stringify(read.resources))).toBe(true);
  });
});
