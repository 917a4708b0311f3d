/**
 * Launch configuration → launch template migration. Launch configurations
 * are immutable (and new ones cannot be created in most accounts), so the fix
 * is an equivalent launch template with IMDSv2 required, and every Auto
 * Scaling group using the configuration moved to it (`$Default`, so later
 * template fixes reach them). The customer's launch configuration is NEVER
 * deleted: it is reported as superseded.
 *
 * Idempotent: the template name and ClientToken derive from the configuration
 * name; when the template already exists (earlier run, duplicate event) it is
 * reused if imds-guard made it from this configuration, refused otherwise.
 */
import { createHash } from 'node:crypto';
import { DescribeLaunchConfigurationsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
} from '@aws-sdk/client-ec2';
import { launchTemplateNameFor } from '../kinds/launch-configuration/description.js';
import type { Plan } from '../model.js';
import { errorMessage } from './errors.js';
import { refreshGroups } from './groups.js';
import { launchTemplateDataFor } from './lc-mapping.js';
import { ActionRefused, MANAGED_TAG, SOURCE_LC_TAG, TOOL_NAME, type ActContext, type ActionResult } from './types.js';

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

export async function migrateLaunchConfiguration(plan: Plan, ctx: ActContext): Promise<ActionResult> {
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
      failed.push(`${group} (${errorMessage(error)})`);
    }
  }

  const notes = [
    `${reused ? 'reused' : 'created'} launch template ${templateName} (${templateId}) equivalent to launch configuration ${lcName} with HttpTokens=required`,
    users.length === 0 ? 'no Auto Scaling group used the configuration' : moved.length > 0 ? `moved ${moved.join(', ')} to it ($Default)` : '',
  ].filter(Boolean);
  if (failed.length > 0) {
    throw new Error(`${notes.join('; ')}; could not move: ${failed.join(', ')}; launch configuration ${lcName} is still in use`);
  }
  if (policy.instanceRefresh && moved.length > 0) notes.push(...(await refreshGroups(clients.autoScaling, moved)));
  notes.push(`launch configuration ${lcName} is kept but superseded (imds-guard never deletes it)`);
  return { changed: !reused || moved.length > 0, verified: 'COMPLIANT', message: notes.join('; ') };
}
