/**
 * Remediation of a launch configuration: the action and the IAM statements its calls need.
 *
 * Migration to a launch template. Launch configurations
 * are immutable (and new ones cannot be created in most accounts), so the fix
 * is an equivalent launch template with IMDSv2 required, and every Auto
 * Scaling group using the configuration moved to it (`$Default`, so later
 * template fixes reach them). The customer's launch configuration is kept
 * and reported as superseded; it is deleted only by a separate,
 * opt-in plan (`delete-launch-configuration`, IMDS_GUARD_DELETE_SUPERSEDED),
 * and only while no group uses it.
 *
 * Idempotent: the template name and ClientToken derive from the configuration
 * name; when the template already exists (earlier run, duplicate event) it is
 * reused if imds-guard made it from this configuration, refused otherwise.
 */
import { createHash } from 'node:crypto';
import { DeleteLaunchConfigurationCommand, DescribeLaunchConfigurationsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
} from '@aws-sdk/client-ec2';
import { launchTemplateNameFor, supersededNote } from './description.js';
import type { Plan } from '../../verdict.js';
import { errorText } from '../../errors.js';
import { refreshGroups } from '../../act/groups.js';
import { launchTemplateDataFor } from './mapping.js';
import { ActionRefused, MANAGED_TAG, SOURCE_LC_TAG, TOOL_NAME, type ActContext, type ActionResult } from '../../act/types.js';
import { GROUP_ACT_PERMISSIONS } from '../../act/groups-iam.js';
import type { KindRemedy } from '../edge-types.js';
import { ARN, DESCRIBE_REASON, HERE } from '../permissions.js';

export function templateClientToken(launchConfigurationName: string): string {
  return `${TOOL_NAME}-lc-${createHash('sha256').update(launchConfigurationName).digest('hex').slice(0, 48)}`;
}

function isAlreadyExists(error: unknown): boolean {
  const e = error as { name?: string; Code?: string };
  return (e?.Code ?? e?.name ?? '').includes('AlreadyExists');
}

async function existingTemplate(ctx: ActContext, templateName: string, lcName: string): Promise<string> {
  const found = await ctx.clients.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [templateName] }));
  const template = found.LaunchTemplates?.[0];
  if (!template?.LaunchTemplateId) throw new Error(`launch template ${templateName} exists but could not be described`);
  const source = template.Tags?.find((t) => t.Key === SOURCE_LC_TAG)?.Value;
  if (source !== lcName) {
    throw new ActionRefused(`a launch template named ${templateName} already exists and was not made by imds-guard from ${lcName}`);
  }
  const versions = await ctx.clients.ec2.send(
    new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: template.LaunchTemplateId, Versions: ['$Default'] }),
  );
  if (versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.MetadataOptions?.HttpTokens !== 'required') {
    throw new ActionRefused(`launch template ${templateName}, made earlier by imds-guard, no longer requires IMDSv2 by default; not reusing it`);
  }
  return template.LaunchTemplateId;
}

/**
 * The opt-in clean-up of a superseded configuration: the groups are read again
 * first, and a configuration some group launches from is never deleted.
 */
async function deleteSuperseded(plan: Plan, ctx: ActContext): Promise<ActionResult> {
  const lcName = plan.ref.id;
  const users = await ctx.groups.usingLaunchConfiguration(lcName);
  if (users.length > 0) throw new ActionRefused(`launch configuration ${lcName} is used again by ${users.join(', ')}; not deleted`);
  await ctx.clients.autoScaling.send(new DeleteLaunchConfigurationCommand({ LaunchConfigurationName: lcName }));
  return { changed: true, verified: 'COMPLIANT', message: `deleted launch configuration ${lcName} (${plan.superseded ?? 'superseded'}); AutoScaling.3 clears as its finding is archived` };
}

export async function migrateLaunchConfiguration(plan: Plan, ctx: ActContext): Promise<ActionResult> {
  if (plan.action === 'delete-launch-configuration') return deleteSuperseded(plan, ctx);
  const { clients, policy, groups } = ctx;
  const lcName = plan.ref.id;
  const described = await clients.autoScaling.send(new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: [lcName] }));
  const lc = described.LaunchConfigurations?.[0];
  if (!lc) throw new Error(`launch configuration ${lcName} no longer exists`);

  const data = launchTemplateDataFor(lc, plan.target?.httpPutResponseHopLimit !== undefined ? { hopLimit: plan.target.httpPutResponseHopLimit } : {});
  const templateName = launchTemplateNameFor(lcName);

  let templateId: string;
  let reused = false;
  try {
    const created = await clients.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: templateName,
        ClientToken: templateClientToken(lcName),
        VersionDescription: `${TOOL_NAME}: from launch configuration ${lcName}, IMDSv2 required`.slice(0, 255),
        LaunchTemplateData: data,
        TagSpecifications: [
          {
            ResourceType: 'launch-template',
            Tags: [
              { Key: SOURCE_LC_TAG, Value: lcName },
              { Key: MANAGED_TAG, Value: 'true' },
            ],
          },
        ],
      }),
    );
    const id = created.LaunchTemplate?.LaunchTemplateId;
    if (!id) throw new Error('CreateLaunchTemplate returned no launch template id');
    templateId = id;
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    templateId = await existingTemplate(ctx, templateName, lcName);
    reused = true;
  }

  const users = await groups.usingLaunchConfiguration(lcName);
  const moved: string[] = [];
  const failed: string[] = [];
  for (const group of users) {
    try {
      await clients.autoScaling.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: group,
          LaunchTemplate: { LaunchTemplateId: templateId, Version: '$Default' },
        }),
      );
      moved.push(group);
    } catch (error) {
      failed.push(`${group} (${errorText(error)})`);
    }
  }

  const notes = [
    `${reused ? 'reused' : 'created'} launch template ${templateName} (${templateId}) equivalent to launch configuration ${lcName} with HttpTokens=required`,
    users.length === 0 ? 'no Auto Scaling group used the configuration' : moved.length > 0 ? `moved ${moved.join(', ')} to it ($Default)` : '',
  ].filter(Boolean);
  if (failed.length > 0) {
    throw new Error(`${notes.join('; ')}; could not move: ${failed.join(', ')}; launch configuration ${lcName} is still in use`);
  }
  if (policy.instanceRefresh) notes.push(...(await refreshGroups(clients.autoScaling, moved)));
  // The configuration itself still allows IMDSv1 (AutoScaling.3 stays FAILED): no "verified compliant", the note says what is left.
  const superseded = supersededNote(`launch template ${templateName} (${templateId})`);
  notes.push(`launch configuration ${lcName} is kept: ${superseded}`);
  return { changed: !reused || moved.length > 0, message: notes.join('; '), superseded };
}

export const launchConfigurationRemedy: KindRemedy = {
  act: migrateLaunchConfiguration,
  replaces: true,
  permissions: [
    {
      sid: 'ReadForMigration',
      actions: ['autoscaling:DescribeLaunchConfigurations', 'ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions'],
      resources: ['*'],
      reason: DESCRIBE_REASON,
    },
    {
      sid: 'CreateLaunchTemplates',
      actions: ['ec2:CreateLaunchTemplate'],
      resources: [`${ARN}:ec2:${HERE}:launch-template/*`],
      reason: 'The launch template a migration creates has no id before it exists.',
    },
    {
      sid: 'TagNewLaunchTemplates',
      actions: ['ec2:CreateTags'],
      resources: [`${ARN}:ec2:${HERE}:launch-template/*`],
      condition: { StringEquals: { 'ec2:CreateAction': ['CreateLaunchTemplate'] } },
      reason: 'Tags of a launch template being created (ec2:CreateAction=CreateLaunchTemplate only); it has no id yet.',
    },
    {
      // The opt-in clean-up of a superseded configuration (IMDS_GUARD_DELETE_SUPERSEDED).
      sid: 'DeleteSupersededLaunchConfigurations',
      actions: ['autoscaling:DeleteLaunchConfiguration'],
      resources: [`${ARN}:autoscaling:${HERE}:launchConfiguration:*:launchConfigurationName/*`],
      reason: 'Any superseded launch configuration of this account and Region (opt-in, IMDS_GUARD_DELETE_SUPERSEDED); which one is known only at run time.',
    },
    ...GROUP_ACT_PERMISSIONS.refresh,
    ...GROUP_ACT_PERMISSIONS.repoint,
  ],
};
