/**
 * EC2 instances (Security Hub EC2.8). Pure: what an instance is to
 * imds-guard, how it is judged and what fixing it means.
 */
import type { InstanceSubject } from './subject.js';
import { EC2_GUIDE, OWN_CONTROL_SEVERITY } from '../controls.js';
import { validateInstanceId } from './id.js';
import { both, hopLimitCheck, metadataDetails, partitionOf, prune, result } from '../judging.js';
import type { Judgement, KindDescription } from '../types.js';
import type { Policy } from '../../policy.js';

export const instanceDescription: KindDescription<'instance'> = {
  kind: 'instance',
  words: { one: 'instance', many: 'instances', title: 'EC2 instance', column: 'instances' },
  asffType: 'AwsEc2Instance',
  config: { type: 'AWS::EC2::Instance', recorded: true },
  controls: {
    imdsv2: {
      id: 'EC2.8',
      securityHubControl: 'EC2.8',
      title: 'Amazon EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)',
      severity: 'HIGH',
      remediation:
        'Check the instance\'s CloudWatch AWS/EC2 MetadataNoToken metric for IMDSv1 callers and update them, then require IMDSv2: ' +
        'aws ec2 modify-instance-metadata-options --instance-id <id> --http-tokens required --http-endpoint enabled',
      remediationUrl: `${EC2_GUIDE}/configuring-IMDS-existing-instances.html`,
      relatedRequirements: ['NIST.800-53.r5 AC-3', 'NIST.800-53.r5 AC-3(15)', 'NIST.800-53.r5 AC-3(7)', 'NIST.800-53.r5 AC-6'],
    },
    'hop-limit': {
      id: 'instance-hop-limit',
      title: 'EC2 instances should not have a metadata response hop limit above the ceiling',
      severity: OWN_CONTROL_SEVERITY,
      remediation:
        'Lower the hop limit unless containers on the host need it: aws ec2 modify-instance-metadata-options --instance-id <id> ' +
        '--http-put-response-hop-limit 2 (1 without containers).',
      remediationUrl: `${EC2_GUIDE}/configuring-IMDS-existing-instances.html`,
      relatedRequirements: [],
    },
  },
  validateId: validateInstanceId,
  configRefId: (item) => item.resourceId,
  triggers: [
    // Also what Auto Scaling calls on the customer's behalf (invokedBy autoscaling.amazonaws.com).
    { eventName: 'RunInstances', eventSource: 'ec2.amazonaws.com', paths: ['responseElements.instancesSet.items[].instanceId'] },
    {
      // Only `instant` fleets launch synchronously and list their instances here;
      // `maintain`/`request` fleets are caught by the state-change rule.
      eventName: 'CreateFleet',
      eventSource: 'ec2.amazonaws.com',
      paths: ['responseElements.CreateFleetResponse.fleetInstanceSet.item[].instanceIds.item[]'],
    },
    {
      eventName: 'ModifyInstanceMetadataOptions',
      eventSource: 'ec2.amazonaws.com',
      paths: [
        'requestParameters.ModifyInstanceMetadataOptionsRequest.InstanceId',
        'requestParameters.instanceId',
        'responseElements.ModifyInstanceMetadataOptionsResponse.instanceId',
      ],
    },
  ],
  arn: (ref) => `arn:${partitionOf(ref.region)}:ec2:${ref.region}:${ref.account}:instance/${ref.id}`,
  idFromArn: (arn) => /^arn:aws[a-z-]*:ec2:[^:]+:\d{12}:instance\/(.+)$/s.exec(arn)?.[1],
  tags: (subject) => subject.tags,
  // An instance's LaunchTime moves when it is stopped and started.
  createdAt: (subject) => subject.launchTime,
  row: (subject) => ({
    name: subject.tags.Name || undefined,
    state: subject.state,
    metadata: subject.metadata,
    instanceProfile: subject.instanceProfileArn,
    group: subject.autoScalingGroup,
  }),
  judge: judgeInstance,
  details: (subject) =>
    prune({
      AwsEc2Instance: {
        Type: subject.instanceType,
        ImageId: subject.imageId,
        IamInstanceProfileArn: subject.instanceProfileArn,
        LaunchedAt: subject.launchTime?.toISOString(),
        MetadataOptions: metadataDetails(subject.metadata),
      },
    }),
  // `pending` while a ModifyInstanceMetadataOptions change is being applied.
  productFields: (subject) => ({ 'imds-guard/metadata-state': subject.metadataState }),
  usageMeasured: true,
  // A running instance keeps its options when enforcement comes on: it counts towards `exposed`, never blocks.
  stageFacts: (subject) => [
    {
      type: 'workload',
      ref: subject.ref,
      allowsImdsv1:
        subject.state !== 'terminated' &&
        subject.state !== 'shutting-down' &&
        subject.metadata.httpEndpoint !== 'disabled' &&
        subject.metadata.httpTokens !== 'required',
    },
  ],
  watched: true,
  launchedFrom: (subject) => ({ imageId: subject.imageId, launchTime: subject.launchTime }),
  // A RunInstances event may arrive before DescribeInstances knows the instance.
  describedLate: true,
  remediation: {
    action: 'modify-instance-metadata-options',
    current: (subject) => subject.metadata,
    irreversible: (subject) => (subject.accountEnforced ? enforcedNote(subject.ref.region) : undefined),
    describe: (subject, hopNote) =>
      subject.metadata.httpTokens === 'required'
        ? `lower the hop limit on instance ${subject.ref.id} (${hopNote}; HttpTokens is already required)`
        : `set HttpTokens=required on instance ${subject.ref.id} (${hopNote})`,
  },
};

/** Why a switch to IMDSv2 cannot be undone in an account-region that enforces IMDSv2 (EC2 User Guide, "Restore the use of IMDSv1"). */
export function enforcedNote(region: string): string {
  return `cannot be rolled back while the account enforces IMDSv2 in ${region} (HttpTokensEnforced=enabled: AWS refuses HttpTokens=optional on existing instances)`;
}

function judgeInstance(subject: InstanceSubject, policy: Policy): Judgement[] {
  const state = subject.state;
  if (state === 'terminated' || state === 'shutting-down') {
    return both('NOT_APPLICABLE', `Instance is ${state}: it will not run again, nothing to judge.`);
  }
  const m = subject.metadata;
  const pending =
    subject.metadataState === 'pending'
      ? ' (a metadata options change is still being applied; these are the requested values)'
      : '';

  if (m.httpEndpoint === 'disabled') {
    return both('COMPLIANT', `Metadata endpoint disabled${pending}: IMDS is off, so neither IMDSv1 nor the hop limit can be used.`);
  }

  let tokens: Judgement;
  if (m.httpTokens === 'required') {
    tokens = result('imdsv2', 'COMPLIANT', `HttpTokens=required${pending}: only IMDSv2 is accepted.`);
  } else if (m.httpTokens === 'optional') {
    tokens = result('imdsv2', 'NON_COMPLIANT', `HttpTokens=optional with the metadata endpoint enabled${pending}: IMDSv1 is accepted.`);
  } else {
    tokens = result(
      'imdsv2',
      'NON_COMPLIANT',
      `EC2 reported no HttpTokens value${pending}; judged as optional (IMDSv1 accepted) until shown otherwise.`,
    );
  }
  if (tokens.compliance === 'NON_COMPLIANT' && subject.accountEnforced) {
    tokens.reason += ` A switch to IMDSv2 ${enforcedNote(subject.ref.region)}.`;
  }
  const hop = m.httpPutResponseHopLimit;
  const hopCheck =
    hop === undefined
      ? result('hop-limit', 'COMPLIANT', `EC2 reported no hop limit${pending}; EC2's default is 1.`)
      : hopLimitCheck(hop, `instance setting${pending}`, policy);
  return [tokens, hopCheck];
}
