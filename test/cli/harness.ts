/**
 * End-to-end harness for the CLI: every AWS client class is mocked with
 * aws-sdk-client-mock (all instances, so the real createClients and the real
 * shared adapters run), replies are PascalCase SDK v3 shapes, and the
 * terminal is a pair of string buffers.
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
  type LaunchConfiguration,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeRegionsCommand,
  EC2Client,
  GetInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataOptionsCommand,
  type Instance,
  type InstanceMetadataDefaultsResponse,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { Io } from '../../cli/io.js';
import { awsError, type Service } from '../support/aws-errors.js';
import { defaultRunDeps, runCli, type RunDeps } from '../../cli/run.js';

export const ACCOUNT = '111122223333';
export const NOW = new Date('2026-05-01T12:00:00Z');
const OLD = new Date('2026-01-05T08:00:00Z');

export interface RegionEstate {
  instances: Instance[];
  templates: LaunchTemplateVersion[];
  templateTags?: Record<string, { Key: string; Value: string }[]>;
  launchConfigurations: LaunchConfiguration[];
  groups: AutoScalingGroup[];
  /** Instance id → MetadataNoToken datapoint values (absent = no datapoints). */
  usage: Record<string, number[]>;
  accountDefaults?: InstanceMetadataDefaultsResponse;
}

/**
 * Why a region refuses every call: `denied` (IAM or an SCP), `not-enabled`
 * (an opt-in region the account has not enabled, or credentials not valid
 * there), `expired-session` (the session token ran out).
 */
export type Refusal = 'denied' | 'not-enabled' | 'expired-session';

/** A region whose every call is refused, each service answering in its own words. */
export interface DeniedRegion {
  refuse: Refusal;
}

/** What each service answers for a refusal (EC2 has its own codes; the query services share theirs). */
const REFUSALS: Record<Refusal, Record<'EC2' | 'other', [code: string, message: string]>> = {
  denied: {
    EC2: ['UnauthorizedOperation', 'You are not authorized to perform this operation.'],
    other: ['AccessDenied', 'User: arn:aws:sts::111122223333:assumed-role/SecurityAudit/alice is not authorized to perform this action'],
  },
  'not-enabled': {
    EC2: ['AuthFailure', 'AWS was not able to validate the provided access credentials'],
    other: ['InvalidClientTokenId', 'The security token included in the request is invalid.'],
  },
  'expired-session': {
    // EC2 says an expired session token is an expired request (aws/aws-sdk-java#1443, aws/aws-sdk-go-v2#1674).
    EC2: ['RequestExpired', 'Request has expired.'],
    other: ['ExpiredToken', 'The security token included in the request is expired'],
  },
};

function refusal(client: unknown, why: Refusal): Error {
  const service: Service = client instanceof EC2Client ? 'EC2' : client instanceof AutoScalingClient ? 'AutoScaling' : 'CloudWatch';
  const [code, message] = REFUSALS[why][service === 'EC2' ? 'EC2' : 'other'];
  return awsError(service, code, message);
}

export type Estate = Record<string, RegionEstate | DeniedRegion>;

export function instance(id: string, opts: Partial<Instance> & { name?: string; tokens?: 'optional' | 'required'; hop?: number; tags?: Record<string, string> } = {}): Instance {
  const tags = { ...(opts.name ? { Name: opts.name } : {}), ...(opts.tags ?? {}) };
  return {
    InstanceId: id,
    ImageId: 'ami-0abcdef1234567890',
    InstanceType: 't3.micro',
    LaunchTime: OLD,
    State: { Code: 16, Name: 'running' },
    MetadataOptions: {
      State: 'applied',
      HttpTokens: opts.tokens ?? 'optional',
      HttpPutResponseHopLimit: opts.hop ?? 1,
      HttpEndpoint: 'enabled',
      HttpProtocolIpv6: 'disabled',
      InstanceMetadataTags: 'disabled',
    },
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    ...(opts.IamInstanceProfile ? { IamInstanceProfile: opts.IamInstanceProfile } : {}),
  };
}

/** The small estate docs/cli.md shows: one region, every readiness label. */
export function smallEstate(): RegionEstate {
  return {
    instances: [
      instance('i-0a1b2c3d4e5f60718', {
        name: 'web-1',
        tags: { 'aws:autoscaling:groupName': 'web-asg' },
        IamInstanceProfile: { Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/web-role`, Id: 'AIPAEXAMPLE1' },
      }),
      instance('i-0b2c3d4e5f6071829', { name: 'api-2', hop: 2 }),
      instance('i-0c3d4e5f607182930', { name: 'batch-nightly' }),
      instance('i-0d4e5f60718293041', { name: '<script>alert("x")</script>', tags: { 'imds-guard:exempt': 'vendor appliance' } }),
      instance('i-0e5f6071829304152', { name: 'secure-db', tokens: 'required', hop: 1 }),
    ],
    templates: [
      {
        LaunchTemplateId: 'lt-0123456789abcdef0',
        LaunchTemplateName: 'web-template',
        VersionNumber: 3,
        DefaultVersion: true,
        CreateTime: OLD,
        LaunchTemplateData: { ImageId: 'ami-0abcdef1234567890', InstanceType: 't3.micro', MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 1 } },
      },
      {
        LaunchTemplateId: 'lt-0fedcba9876543210',
        LaunchTemplateName: 'hardened',
        VersionNumber: 1,
        DefaultVersion: true,
        CreateTime: OLD,
        LaunchTemplateData: { ImageId: 'ami-0abcdef1234567890', MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } },
      },
    ],
    launchConfigurations: [
      {
        LaunchConfigurationName: 'legacy-workers-2019',
        LaunchConfigurationARN: `arn:aws:autoscaling:us-east-1:${ACCOUNT}:launchConfiguration:0000:launchConfigurationName/legacy-workers-2019`,
        ImageId: 'ami-0abcdef1234567890',
        InstanceType: 'm5.large',
        SecurityGroups: ['sg-0123456789abcdef0'],
        CreatedTime: new Date('2019-03-01T00:00:00Z'),
      },
    ],
    groups: [
      {
        AutoScalingGroupName: 'web-asg',
        LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', LaunchTemplateName: 'web-template', Version: '$Default' },
        MinSize: 1,
        MaxSize: 4,
        DesiredCapacity: 2,
        DefaultCooldown: 300,
        AvailabilityZones: ['us-east-1a'],
        HealthCheckType: 'EC2',
        CreatedTime: OLD,
      },
      {
        AutoScalingGroupName: 'workers',
        LaunchConfigurationName: 'legacy-workers-2019',
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: 1,
        DefaultCooldown: 300,
        AvailabilityZones: ['us-east-1b'],
        HealthCheckType: 'EC2',
        CreatedTime: OLD,
      },
    ],
    usage: {
      'i-0a1b2c3d4e5f60718': [0, 12, 30],
      'i-0b2c3d4e5f6071829': [0, 0, 0],
    },
    accountDefaults: {},
  };
}

/**
 * An account-region ready for AWS's enforcement: old instances still allow
 * IMDSv1 but made no IMDSv1 call, the only template and the group launching
 * from it require IMDSv2, the account default requires it, no launch
 * configuration.
 */
export function readyEstate(): RegionEstate {
  const estate = smallEstate();
  return {
    ...estate,
    instances: [instance('i-0b2c3d4e5f6071829', { name: 'api-2' }), instance('i-0e5f6071829304152', { name: 'secure-db', tokens: 'required' })],
    templates: estate.templates.filter((t) => t.LaunchTemplateName === 'hardened'),
    launchConfigurations: [],
    groups: [{ ...estate.groups[0]!, LaunchTemplate: { LaunchTemplateId: 'lt-0fedcba9876543210', LaunchTemplateName: 'hardened', Version: '$Default' } }],
    usage: { 'i-0b2c3d4e5f6071829': [0, 0, 0], 'i-0e5f6071829304152': [0, 0] },
    accountDefaults: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpTokensEnforced: 'disabled', ManagedBy: 'account' },
  };
}

/** smallEstate after a migration: imds-guard's template, tagged with its source, and the group moved to it. */
export function migratedEstate(): RegionEstate {
  const estate = smallEstate();
  estate.templates.push({
    LaunchTemplateId: 'lt-0aaaabbbbccccdddd',
    LaunchTemplateName: 'imds-guard-legacy-workers-2019',
    VersionNumber: 1,
    DefaultVersion: true,
    LaunchTemplateData: { ImageId: 'ami-0abcdef1234567890', InstanceType: 'm5.large', MetadataOptions: { HttpTokens: 'required' } },
  });
  estate.templateTags = {
    'lt-0aaaabbbbccccdddd': [
      { Key: 'imds-guard:source-launch-configuration', Value: 'legacy-workers-2019' },
      { Key: 'imds-guard:managed', Value: 'true' },
    ],
  };
  const workers = estate.groups.find((g) => g.AutoScalingGroupName === 'workers')!;
  delete workers.LaunchConfigurationName;
  workers.LaunchTemplate = { LaunchTemplateId: 'lt-0aaaabbbbccccdddd', Version: '$Default' };
  return estate;
}

export interface Mocks {
  ec2: AwsClientStub<EC2Client>;
  autoScaling: AwsClientStub<AutoScalingClient>;
  cloudWatch: AwsClientStub<CloudWatchClient>;
  sts: AwsClientStub<STSClient>;
  /** Instance ids changed by ModifyInstanceMetadataOptions. */
  modified: Set<string>;
  /** Every call in that account and region waits until the returned function is called (an account-region that does not answer). */
  hold(account: string, region: string): () => void;
}

async function regionOf(getClient: () => { config: { region: unknown } }): Promise<string> {
  const region = getClient().config.region;
  return typeof region === 'function' ? await (region as () => Promise<string>)() : String(region);
}

/**
 * The account a mocked call is made in: clients built with an assumed role's
 * credentials (access key `ASIA<account>`, see test/cli/org/organization.ts) belong to
 * that account; the caller's own environment credentials to ACCOUNT.
 */
export async function accountOfClient(getClient: () => unknown): Promise<string> {
  const credentials = (getClient() as { config: { credentials?: () => Promise<{ accessKeyId?: string }> } }).config.credentials;
  const key = typeof credentials === 'function' ? (await credentials()).accessKeyId : undefined;
  return key?.startsWith('ASIA') ? key.slice(4) : ACCOUNT;
}

/**
 * Mocks every AWS client class over `estate`; writes are recorded and reflected in later describes.
 * `byAccount` (for --org) gives other accounts their own estates, chosen by the calling client's credentials.
 */
export function mockEstate(estate: Estate, extraRegions: { RegionName: string; OptInStatus: string }[] = [], byAccount: Record<string, Estate> = {}): Mocks {
  const ec2 = mockClient(EC2Client);
  const autoScaling = mockClient(AutoScalingClient);
  const cloudWatch = mockClient(CloudWatchClient);
  const sts = mockClient(STSClient);
  const modified = new Set<string>();
  const held = new Map<string, Promise<void>>();

  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/SecurityAudit/alice`, UserId: 'AROAEXAMPLE:alice' });

  const region = async <T>(getClient: () => unknown, fn: (r: RegionEstate, name: string) => T): Promise<T> => {
    // getClient() names the client of the call being answered only until the first await.
    const client = getClient();
    const name = await regionOf(() => client as { config: { region: unknown } });
    const account = Object.keys(byAccount).length > 0 ? await accountOfClient(() => client) : ACCOUNT;
    await held.get(`${account}/${name}`);
    const r = (account === ACCOUNT ? estate : (byAccount[account] ?? {}))[name];
    if (r === undefined) throw refusal(client, 'not-enabled');
    if ('refuse' in r) throw refusal(client, r.refuse);
    return fn(r, name);
  };

  const withModified = (i: Instance): Instance =>
    modified.has(i.InstanceId ?? '') ? { ...i, MetadataOptions: { ...i.MetadataOptions, HttpTokens: 'required', State: 'applied' } } : i;

  ec2.on(DescribeRegionsCommand).resolves({
    Regions: [
      ...Object.keys(estate).map((RegionName) => ({ RegionName, Endpoint: `ec2.${RegionName}.amazonaws.com`, OptInStatus: 'opt-in-not-required' })),
      ...extraRegions,
    ],
  });
  ec2.on(DescribeInstancesCommand).callsFake((input, getClient) =>
    region(getClient, (r) => {
      const ids: string[] | undefined = input.InstanceIds;
      const list = r.instances.filter((i) => !ids || ids.includes(i.InstanceId ?? '')).map(withModified);
      return { Reservations: list.length ? [{ ReservationId: 'r-0123456789abcdef0', OwnerId: ACCOUNT, Instances: list }] : [] };
    }),
  );
  ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input, getClient) =>
    region(getClient, (r) => ({
      LaunchTemplateVersions: r.templates.filter((t) => !input.LaunchTemplateId || t.LaunchTemplateId === input.LaunchTemplateId),
    })),
  );
  ec2.on(DescribeLaunchTemplatesCommand).callsFake((input, getClient) =>
    region(getClient, (r) => ({
      LaunchTemplates: r.templates
        .filter((t) => !input.LaunchTemplateIds || input.LaunchTemplateIds.includes(t.LaunchTemplateId))
        .map((t) => ({
          LaunchTemplateId: t.LaunchTemplateId,
          LaunchTemplateName: t.LaunchTemplateName,
          DefaultVersionNumber: t.VersionNumber,
          LatestVersionNumber: t.VersionNumber,
          CreateTime: OLD,
          Tags: r.templateTags?.[t.LaunchTemplateId ?? ''] ?? [],
        })),
    })),
  );
  ec2.on(GetInstanceMetadataDefaultsCommand).callsFake((_input, getClient) => region(getClient, (r) => ({ AccountLevel: r.accountDefaults ?? {} })));
  ec2.on(DescribeImagesCommand).callsFake((input, getClient) =>
    region(getClient, () => ({ Images: (input.ImageIds ?? []).map((ImageId: string) => ({ ImageId, State: 'available' })) })),
  );
  ec2.on(ModifyInstanceMetadataOptionsCommand).callsFake((input, getClient) =>
    region(getClient, () => {
      modified.add(input.InstanceId);
      return { InstanceId: input.InstanceId, InstanceMetadataOptions: { State: 'pending', HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' } };
    }),
  );
  ec2.on(CreateLaunchTemplateVersionCommand).rejects(new Error('CreateLaunchTemplateVersion not expected in this test'));
  ec2.on(ModifyInstanceMetadataDefaultsCommand).rejects(new Error('ModifyInstanceMetadataDefaults not expected in this test'));

  autoScaling.on(DescribeLaunchConfigurationsCommand).callsFake((_input, getClient) => region(getClient, (r) => ({ LaunchConfigurations: r.launchConfigurations })));
  autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake((_input, getClient) => region(getClient, (r) => ({ AutoScalingGroups: r.groups })));
  autoScaling.on(UpdateAutoScalingGroupCommand).rejects(new Error('UpdateAutoScalingGroup not expected in this test'));

  cloudWatch.on(GetMetricDataCommand).callsFake((input, getClient) =>
    region(getClient, (r) => ({
      // The account-wide SEARCH of the stage: one series per instance with data, labelled by its id (the query's dynamic label).
      MetricDataResults: (input.MetricDataQueries as MetricDataQuery[]).flatMap((q) => {
        if (q.Expression?.startsWith('SEARCH(')) {
          return Object.entries(r.usage).map(([id, values]) => ({
            Id: q.Id,
            Label: id,
            StatusCode: 'Complete',
            Values: values,
            Timestamps: values.map((_, i) => new Date(NOW.getTime() - (i + 1) * 86_400_000)),
          }));
        }
        const id = q.MetricStat?.Metric?.Dimensions?.[0]?.Value ?? '';
        const values = r.usage[id] ?? [];
        return {
          Id: q.Id,
          Label: 'MetadataNoToken',
          StatusCode: 'Complete',
          Values: values,
          Timestamps: values.map((_, i) => new Date(NOW.getTime() - (i + 1) * 86_400_000)),
        };
      }),
      Messages: [],
    })),
  );
  const hold = (account: string, name: string): (() => void) => {
    let release = (): void => undefined;
    held.set(`${account}/${name}`, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      held.delete(`${account}/${name}`);
      release();
    };
  };
  return { ec2, autoScaling, cloudWatch, sts, modified, hold };
}

export function restore(m: Mocks): void {
  m.ec2.restore();
  m.autoScaling.restore();
  m.cloudWatch.restore();
  m.sts.restore();
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  files: Map<string, string>;
}

export async function run(
  argv: string[],
  options: {
    stdinIsTTY?: boolean;
    stderrIsTTY?: boolean;
    /** The answer to the confirmation question; a function also sees the question and stderr so far. */
    confirm?: boolean | ((question: string, stderr: string) => boolean);
    /** Instead of collecting stdout in a string: sees every piece as it is written. */
    onStdout?: (text: string) => void;
    /** The map files are written into (to read a streamed file while the command runs). */
    files?: Map<string, string>;
    env?: Record<string, string | undefined>;
    /** Use this object as the environment as it is (process.env, so the real SDK sees what the CLI sets). */
    liveEnv?: Record<string, string | undefined>;
    deps?: Partial<RunDeps>;
  } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const files = options.files ?? new Map<string, string>();
  const io: Io = {
    stdout: { write: (t: string) => (options.onStdout ? options.onStdout(t) : (stdout += t)) },
    stderr: { write: (t: string) => (stderr += t) },
    stdoutIsTTY: false,
    stderrIsTTY: options.stderrIsTTY ?? false,
    stdinIsTTY: options.stdinIsTTY ?? false,
    env: options.liveEnv ?? { AWS_REGION: 'us-east-1', ...(options.env ?? {}) },
    writeFile: async (path, text) => void files.set(path, text),
    // Streamed files are visible in `files` while they are being written.
    openFile: async (path) => {
      files.set(path, '');
      return { write: async (text) => void files.set(path, (files.get(path) ?? '') + text), close: async () => undefined };
    },
    confirm: async (question) => (typeof options.confirm === 'function' ? options.confirm(question, stderr) : (options.confirm ?? false)),
  };
  const deps: RunDeps = { ...defaultRunDeps(), now: () => NOW, defaultRegion: async (env) => env.AWS_REGION, ...(options.deps ?? {}) };
  const code = await runCli(argv, io, deps);
  return { code, stdout, stderr, files };
}
