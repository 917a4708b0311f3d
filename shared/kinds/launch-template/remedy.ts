/**
 * Remediation of a launch template: the action and the IAM statements its calls need.
 *
 * A new version from the current default with
 * HttpTokens=required, everything else inherited (SourceVersion), made the
 * default. Then the Auto Scaling groups using the template are listed with
 * the version they follow: `$Default`/`$Latest` pick the fix up, a pinned
 * number does not and is reported. Optionally an instance refresh replaces
 * their running instances.
 *
 * How SourceVersion merges: top-level launch parameters given in
 * LaunchTemplateData replace the inherited ones whole (a nested structure
 * such as MetadataOptions is not merged field by field), so MetadataOptions
 * is sent complete: every field of the source, HttpTokens changed. EC2 also
 * documents that snapshots in the source's block device mappings are dropped
 * unless given explicitly, so BlockDeviceMappings are sent back as they are.
 *
 * Idempotent: the ClientToken is derived from the template id and the source
 * version, so a duplicate event cannot create a second version.
 */
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
  type LaunchTemplateBlockDeviceMapping,
  type LaunchTemplateBlockDeviceMappingRequest,
  type LaunchTemplateInstanceMetadataOptions,
  type LaunchTemplateInstanceMetadataOptionsRequest,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import type { Plan } from '../../verdict.js';
import { refreshGroups, type TemplateUse } from '../../act/groups.js';
import { type ActContext, ActionRefused, type ActionResult, TOOL_NAME } from '../../act/types.js';
import { GROUP_ACT_PERMISSIONS } from '../../act/groups-iam.js';
import type { KindRemedy } from '../edge-types.js';
import { ARN, DESCRIBE_REASON, HERE } from '../permissions.js';

/** ClientToken: at most 128 ASCII characters, stable for (template, source version). */
export function versionClientToken(templateId: string, sourceVersion: number): string {
  return `${TOOL_NAME}-${templateId}-from-v${sourceVersion}`.slice(0, 128);
}

/** The source's metadata options as a request, HttpTokens=required, hop limit per plan. */
export function fixedMetadataOptions(
  source: LaunchTemplateInstanceMetadataOptions | undefined,
  hopLimit?: number,
): LaunchTemplateInstanceMetadataOptionsRequest {
  // A field the source lacks is undefined here, and the SDK sends no parameter for an undefined member.
  return {
    HttpEndpoint: source?.HttpEndpoint,
    HttpProtocolIpv6: source?.HttpProtocolIpv6,
    InstanceMetadataTags: source?.InstanceMetadataTags,
    HttpPutResponseHopLimit: hopLimit ?? source?.HttpPutResponseHopLimit,
    HttpTokens: 'required',
  };
}

function blockDevicesAsRequest(mappings: readonly LaunchTemplateBlockDeviceMapping[]): LaunchTemplateBlockDeviceMappingRequest[] {
  // As with the metadata options, an undefined member is not sent.
  return mappings.map((m) => ({ DeviceName: m.DeviceName, VirtualName: m.VirtualName, NoDevice: m.NoDevice, Ebs: m.Ebs }));
}

function describeUses(uses: readonly TemplateUse[]): { following: string[]; text: string } {
  const following = uses.filter((u) => u.version === '$Default' || u.version === '$Latest').map((u) => u.group);
  const pinned = uses.filter((u) => u.version !== '$Default' && u.version !== '$Latest');
  const parts: string[] = [];
  if (uses.length === 0) parts.push('no Auto Scaling group uses it');
  if (following.length > 0) {
    parts.push(`groups picking up the fix: ${uses.filter((u) => following.includes(u.group)).map((u) => `${u.group} (${u.version})`).join(', ')}`);
  }
  if (pinned.length > 0) {
    parts.push(
      `groups pinned to a version, NOT picking up the fix until set to $Default: ${pinned.map((u) => `${u.group} (version ${u.version})`).join(', ')}`,
    );
  }
  return { following, text: parts.join('; ') };
}

export async function fixLaunchTemplate(plan: Plan, ctx: ActContext): Promise<ActionResult> {
  const { clients, policy, groups } = ctx;
  const templateId = plan.ref.id;
  const described = await clients.ec2.send(
    new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['$Default', '$Latest'] }),
  );
  const versions = described.LaunchTemplateVersions ?? [];
  const source = versions.find((v) => v.DefaultVersion) ?? versions[0];
  if (!source || source.VersionNumber === undefined) throw new Error(`launch template ${templateId} has no default version`);
  const latest = versions.reduce<LaunchTemplateVersion>((a, b) => ((b.VersionNumber ?? 0) > (a.VersionNumber ?? 0) ? b : a), source);
  const name = source.LaunchTemplateName;
  const uses = await groups.usingLaunchTemplate({ id: templateId, ...(name ? { name } : {}) });
  const usesText = describeUses(uses);

  const data = source.LaunchTemplateData ?? {};
  const hop = plan.target?.httpPutResponseHopLimit;
  if (data.MetadataOptions?.HttpTokens === 'required' && (hop === undefined || data.MetadataOptions.HttpPutResponseHopLimit === hop)) {
    return {
      changed: false,
      verified: 'COMPLIANT',
      message: `default version ${source.VersionNumber} of ${name ?? templateId} already requires IMDSv2 (nothing created); ${usesText.text}`,
    };
  }

  // A new version becomes $Latest too: groups following $Latest would switch
  // from the current latest to a copy of the default. Never make things worse.
  if (latest.VersionNumber !== source.VersionNumber) {
    const latestFollowers = uses.filter((u) => u.version === '$Latest').map((u) => u.group);
    if (latestFollowers.length > 0) {
      throw new ActionRefused(
        `groups ${latestFollowers.join(', ')} follow $Latest (version ${latest.VersionNumber}), which differs from the default ` +
          `(version ${source.VersionNumber}); a fixed copy of the default would change what they launch. Fix version ` +
          `${latest.VersionNumber} or make it the default first`,
      );
    }
  }

  const created = await clients.ec2.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: templateId,
      SourceVersion: String(source.VersionNumber),
      VersionDescription: `${TOOL_NAME}: IMDSv2 required (HttpTokens=required), copy of version ${source.VersionNumber}`,
      ClientToken: versionClientToken(templateId, source.VersionNumber),
      LaunchTemplateData: {
        MetadataOptions: fixedMetadataOptions(data.MetadataOptions, hop),
        ...(data.BlockDeviceMappings?.length ? { BlockDeviceMappings: blockDevicesAsRequest(data.BlockDeviceMappings) } : {}),
      },
    }),
  );
  const newVersion = created.LaunchTemplateVersion?.VersionNumber;
  if (newVersion === undefined) throw new Error('CreateLaunchTemplateVersion returned no version number');

  await clients.ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: templateId, DefaultVersion: String(newVersion) }));

  const check = await clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['$Default'] }));
  const now = check.LaunchTemplateVersions?.[0];
  const ok = now?.VersionNumber === newVersion && now.LaunchTemplateData?.MetadataOptions?.HttpTokens === 'required';

  const notes = [
    `created version ${newVersion} of ${name ?? templateId} from version ${source.VersionNumber} with HttpTokens=required and made it the default`,
    usesText.text,
  ];
  // refreshGroups of no group starts nothing and notes nothing
  if (policy.instanceRefresh) notes.push(...(await refreshGroups(clients.autoScaling, usesText.following)));
  return { changed: true, verified: ok ? 'COMPLIANT' : 'NON_COMPLIANT', message: notes.join('; ') };
}

export const launchTemplateRemedy: KindRemedy = {
  act: fixLaunchTemplate,
  permissions: [
    { sid: 'ReadTemplateVersions', actions: ['ec2:DescribeLaunchTemplateVersions'], resources: ['*'], reason: DESCRIBE_REASON },
    {
      sid: 'FixLaunchTemplates',
      actions: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
      resources: [`${ARN}:ec2:${HERE}:launch-template/*`],
      reason: 'Any launch template of this account and Region may need a fixed version; which ones is known only at run time.',
    },
    ...GROUP_ACT_PERMISSIONS.refresh,
  ],
};
