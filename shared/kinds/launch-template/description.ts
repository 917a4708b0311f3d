/**
 * EC2 launch templates (Security Hub EC2.170): judged by the default version,
 * the one launches use when they name no version. Pure.
 */
import type { LaunchTemplateSubject } from './subject.js';
import { EC2_GUIDE, OWN_CONTROL_SEVERITY } from '../controls.js';
import type { Policy } from '../../policy.js';
import { validateLaunchTemplateRef } from './id.js';
import { judgeTemplateVersion, launchTokens, metadataDetails, partitionOf, prune, result } from '../judging.js';
import type { Judgement, KindDescription, Trigger } from '../types.js';

const ec2 = 'ec2.amazonaws.com' as const;
const autoscaling = 'autoscaling.amazonaws.com' as const;

/** Where Auto Scaling calls name a launch template (the group's own, its mixed instances policy, an override). */
const GROUP_TEMPLATE_PATHS: readonly { paths: string[]; fallbackPaths: string[] }[] = [
  {
    paths: ['requestParameters.launchTemplate.launchTemplateId'],
    fallbackPaths: ['requestParameters.launchTemplate.launchTemplateName'],
  },
  {
    paths: ['requestParameters.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.launchTemplateId'],
    fallbackPaths: ['requestParameters.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.launchTemplateName'],
  },
  {
    // An override may name its own template for some instance types.
    paths: ['requestParameters.mixedInstancesPolicy.launchTemplate.overrides[].launchTemplateSpecification.launchTemplateId'],
    fallbackPaths: ['requestParameters.mixedInstancesPolicy.launchTemplate.overrides[].launchTemplateSpecification.launchTemplateName'],
  },
];

const triggers: Trigger[] = [
  {
    eventName: 'CreateLaunchTemplate',
    eventSource: ec2,
    paths: ['responseElements.CreateLaunchTemplateResponse.launchTemplate.launchTemplateId'],
    fallbackPaths: ['requestParameters.CreateLaunchTemplateRequest.LaunchTemplateName'],
  },
  {
    eventName: 'CreateLaunchTemplateVersion',
    eventSource: ec2,
    paths: [
      'responseElements.CreateLaunchTemplateVersionResponse.launchTemplateVersion.launchTemplateId',
      'requestParameters.CreateLaunchTemplateVersionRequest.LaunchTemplateId',
    ],
    fallbackPaths: ['requestParameters.CreateLaunchTemplateVersionRequest.LaunchTemplateName'],
  },
  {
    // Changes the default version, which is what launches use.
    eventName: 'ModifyLaunchTemplate',
    eventSource: ec2,
    paths: [
      'responseElements.ModifyLaunchTemplateResponse.launchTemplate.launchTemplateId',
      'requestParameters.ModifyLaunchTemplateRequest.LaunchTemplateId',
    ],
    fallbackPaths: ['requestParameters.ModifyLaunchTemplateRequest.LaunchTemplateName'],
  },
  ...['CreateAutoScalingGroup', 'UpdateAutoScalingGroup'].flatMap((eventName) =>
    GROUP_TEMPLATE_PATHS.map((p) => ({ eventName, eventSource: autoscaling, ...p })),
  ),
];

export const launchTemplateDescription: KindDescription<'launch-template'> = {
  kind: 'launch-template',
  words: { one: 'launch template', many: 'launch templates', title: 'Launch template', column: 'launch templates' },
  asffType: 'AwsEc2LaunchTemplate',
  config: { type: 'AWS::EC2::LaunchTemplate', recorded: true },
  controls: {
    imdsv2: {
      id: 'EC2.170',
      securityHubControl: 'EC2.170',
      title: 'EC2 launch templates should use Instance Metadata Service Version 2 (IMDSv2)',
      severity: 'LOW',
      remediation:
        'Create a launch template version with MetadataOptions HttpTokens=required (aws ec2 create-launch-template-version ' +
        '--source-version <default> --launch-template-data \'{"MetadataOptions":{"HttpTokens":"required"}}\') and make it the default version.',
      remediationUrl: `${EC2_GUIDE}/configuring-IMDS-new-instances.html`,
      relatedRequirements: [],
    },
    'hop-limit': {
      id: 'launch-template-hop-limit',
      title: 'EC2 launch templates should not set a metadata response hop limit above the ceiling',
      severity: OWN_CONTROL_SEVERITY,
      remediation:
        'Create a launch template version with a lower MetadataOptions HttpPutResponseHopLimit (2 for containers, else 1) ' +
        'and make it the default version.',
      remediationUrl: `${EC2_GUIDE}/configuring-IMDS-new-instances.html`,
      relatedRequirements: [],
    },
  },
  validateId: validateLaunchTemplateRef,
  configRefId: ({ resourceId, resourceName }) => (resourceId?.startsWith('lt-') ? resourceId : (resourceName ?? resourceId)),
  triggers,
  arn: (ref) => `arn:${partitionOf(ref.region)}:ec2:${ref.region}:${ref.account}:launch-template/${ref.id}`,
  idFromArn: (arn) => /^arn:aws[a-z-]*:ec2:[^:]+:\d{12}:launch-template\/(.+)$/s.exec(arn)?.[1],
  tags: (subject) => subject.tags,
  label: (subject) => `${subject.name} (${subject.ref.id})`,
  // A CreateLaunchTemplate event may arrive before DescribeLaunchTemplates knows the template.
  describedLate: true,
  createdAt: (subject) => subject.createdTime,
  row: (subject) => ({ name: subject.name, metadata: subject.defaultVersion.metadata }),
  usedBy: (subject, groups) =>
    (groups.launchTemplates.get(subject.ref.id) ?? groups.launchTemplates.get(subject.name) ?? []).map((u) => `${u.group} (${u.version})`),
  judge: judgeLaunchTemplate,
  // The default version is what a launch naming the template without a version gets; `$Latest` blocks through the groups that ask for it.
  stageFacts: (subject) => {
    const tokens = launchTokens(subject.defaultVersion, subject.accountDefaults);
    return [
      tokens.value === 'required'
        ? { type: 'launch-path', ref: subject.ref, allowsImdsv1: false, why: `default version ${subject.defaultVersion.versionNumber} requires IMDSv2` }
        : {
            type: 'launch-path',
            ref: subject.ref,
            allowsImdsv1: true,
            why: `default version ${subject.defaultVersion.versionNumber} of ${subject.name} launches with HttpTokens=optional (${tokens.source})`,
          },
    ];
  },
  details: (subject) =>
    prune({
      AwsEc2LaunchTemplate: {
        Id: subject.ref.id,
        LaunchTemplateName: subject.name,
        DefaultVersionNumber: subject.defaultVersion.versionNumber,
        LatestVersionNumber: subject.latestVersion?.versionNumber ?? subject.defaultVersion.versionNumber,
        LaunchTemplateData: { MetadataOptions: metadataDetails(subject.defaultVersion.metadata) },
      },
    }),
  remediation: {
    action: 'new-launch-template-version',
    current: (subject) => subject.defaultVersion.metadata,
    // A template that leaves the hop limit unset launches with the account default's.
    inheritedOptions: (subject) => subject.accountDefaults,
    describe: (subject, hopNote) =>
      `create a version of launch template ${subject.name} (${subject.ref.id}) from default version ` +
      `${subject.defaultVersion.versionNumber} with HttpTokens=required (${hopNote}) and make it the default`,
    nothingReason: (subject) => {
      const latest = subject.latestVersion;
      return latest && latest.metadata.httpTokens !== 'required'
        ? `Not remediated: the default version already requires IMDSv2; version ${latest.versionNumber} ($Latest) does not and is left to its owner.`
        : undefined;
    },
  },
};


function judgeLaunchTemplate(subject: LaunchTemplateSubject, policy: Policy): Judgement[] {
  const dflt = subject.defaultVersion;
  const own = judgeTemplateVersion(dflt, subject.accountDefaults, policy);
  const prefix = `Default version ${dflt.versionNumber}: `;
  let tokensReason = prefix + own.tokensReason;
  let hopReason = prefix + own.hopReason;
  const latest = subject.latestVersion;
  if (latest && latest.versionNumber !== dflt.versionNumber) {
    const l = judgeTemplateVersion(latest, subject.accountDefaults, policy);
    const word = (c: string): string => (c === 'COMPLIANT' ? 'compliant' : 'not compliant');
    tokensReason += ` $Latest is version ${latest.versionNumber} (not the default, not judged): ${word(l.tokens)}.`;
    hopReason += ` $Latest is version ${latest.versionNumber} (not the default, not judged): ${word(l.hop)}.`;
  }
  return [result('imdsv2', own.tokens, tokensReason), result('hop-limit', own.hop, hopReason)];
}
