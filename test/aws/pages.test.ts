/**
 * A listing that times out at its full page size goes on with smaller pages
 * from the page that timed out, says so, and fails only when the smallest
 * page times out too.
 */
import { DescribeInstancesCommand, DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand, type DescribeInstancesCommandInput } from '@aws-sdk/client-ec2';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { pageInstances } from '../../shared/kinds/instance/aws.js';
import { pageAccountTemplateVersions } from '../../shared/kinds/launch-template/aws.js';
import { describeLaunchTemplatesTagged } from '../../shared/aws/ec2.js';
import { pageInstancesWhere } from '../../shared/aws/instances-where.js';
import { pageAutoScalingGroups } from '../../shared/aws/autoscaling.js';
import { pageSizeLadder, timedOut } from '../../shared/aws/pages.js';
import { AwsCallError } from '../../shared/aws/batch.js';
import { collectDegradations } from '../../shared/observability/degraded.js';
import { takeCounts } from '../../shared/observability/metrics.js';
import { listActiveFindingRefs } from '../../shared/sinks/securityhub.js';
import { instance, instanceIds, mockedClients, SCOPE } from './helpers.js';
import { awsError, ec2Error, timeoutError } from '../support/aws-errors.js';

/** What node-http-handler throws when a request passes its requestTimeout, after the SDK's tries. */
function requestTimeout(ms: number): Error {
  return timeoutError('request', ms, 3);
}

const { clients, ec2, autoScaling } = mockedClients();

async function all<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

function sent(): { MaxResults?: number; NextToken?: string }[] {
  return ec2.commandCalls(DescribeInstancesCommand).map((c) => {
    const input = c.args[0].input as DescribeInstancesCommandInput;
    return { MaxResults: input.MaxResults, NextToken: input.NextToken };
  });
}

beforeEach(() => {
  takeCounts();
});

describe('pageSizeLadder', () => {
  it('is the full size, a fifth and a twentieth, never below the minimum and never repeated', () => {
    expect(pageSizeLadder(1000, 5)).toEqual([1000, 200, 50]);
    expect(pageSizeLadder(200, 1)).toEqual([200, 40, 10]);
    expect(pageSizeLadder(100, 1)).toEqual([100, 20, 5]);
    expect(pageSizeLadder(10, 5)).toEqual([10, 5]);
    expect(pageSizeLadder(5, 5)).toEqual([5]);
  });
});

describe('timedOut', () => {
  it('knows the client timeout and a service timeout, also under a wrapper, and nothing else', () => {
    expect(timedOut(requestTimeout(10))).toBe(true);
    expect(timedOut(new AwsCallError('DescribeInstances', 'listing', requestTimeout(10)))).toBe(true);
    // A service's own timeout code (S3 sends RequestTimeout, 400, for a socket left idle).
    expect(timedOut(awsError('S3', 'RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period.'))).toBe(true);
    expect(timedOut(ec2Error('UnauthorizedOperation', 'no'))).toBe(false);
    expect(timedOut(new Error('socket hang up'))).toBe(false);
  });
});

describe('a listing whose full pages time out', () => {
  it('asks the same page again at a fifth of the size, goes on at that size, and records it', async () => {
    const ids = instanceIds(3);
    ec2
      .on(DescribeInstancesCommand, { MaxResults: 1000 })
      .rejects(requestTimeout(10_000))
      .on(DescribeInstancesCommand, { MaxResults: 200, NextToken: undefined })
      .resolves({ Reservations: [{ Instances: [instance(ids[0]!), instance(ids[1]!)] }], NextToken: 'after-2' })
      .on(DescribeInstancesCommand, { MaxResults: 200, NextToken: 'after-2' })
      .resolves({ Reservations: [{ Instances: [instance(ids[2]!)] }] });
    const { result, degraded } = await collectDegradations(() => all(pageInstances(clients.ec2)));
    expect(result.map((p) => p.map((i) => i.InstanceId))).toEqual([[ids[0], ids[1]], [ids[2]]]);
    expect(sent()).toEqual([
      { MaxResults: 1000, NextToken: undefined },
      { MaxResults: 200, NextToken: undefined },
      { MaxResults: 200, NextToken: 'after-2' },
    ]);
    expect(degraded).toEqual([
      { operation: 'DescribeInstances', detail: 'listing', from: 1000, to: 200, error: expect.stringMatching(/TimeoutError/) },
    ]);
    expect(takeCounts()).toEqual([{ name: 'ListingsDegraded', dimension: { name: 'operation', value: 'DescribeInstances' }, value: 1 }]);
  });

  it('a timeout in the middle resumes from the NextToken of the last page read, so nothing is read twice or skipped', async () => {
    const ids = instanceIds(3);
    ec2
      .on(DescribeInstancesCommand, { MaxResults: 1000, NextToken: undefined })
      .resolves({ Reservations: [{ Instances: [instance(ids[0]!)] }], NextToken: 'p2' })
      .on(DescribeInstancesCommand, { MaxResults: 1000, NextToken: 'p2' })
      .rejects(requestTimeout(10_000))
      .on(DescribeInstancesCommand, { MaxResults: 200, NextToken: 'p2' })
      .rejects(requestTimeout(10_000))
      .on(DescribeInstancesCommand, { MaxResults: 50, NextToken: 'p2' })
      .resolves({ Reservations: [{ Instances: [instance(ids[1]!), instance(ids[2]!)] }] });
    const { result, degraded } = await collectDegradations(() => all(pageInstances(clients.ec2)));
    expect(result.flat().map((i) => i.InstanceId)).toEqual(ids);
    expect(sent().map((s) => `${s.MaxResults}@${s.NextToken ?? 'start'}`)).toEqual(['1000@start', '1000@p2', '200@p2', '50@p2']);
    expect(degraded.map((d) => [d.from, d.to])).toEqual([
      [1000, 200],
      [200, 50],
    ]);
  });

  it('gives up when the smallest page times out too, naming every size it tried', async () => {
    ec2.on(DescribeInstancesCommand).rejects(requestTimeout(10_000));
    const error = await all(pageInstances(clients.ec2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as Error).message).toMatch(/^DescribeInstances \(listing, page size 1000 → 200 → 50\) failed: TimeoutError/);
    expect(sent().map((s) => s.MaxResults)).toEqual([1000, 200, 50]);
  });

  it('does not degrade on an error that is not a timeout', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const { result, degraded } = await collectDegradations(() => all(pageInstances(clients.ec2)).catch((e: unknown) => e));
    expect((result as Error).message).toMatch(/^DescribeInstances \(listing, page size 1000\) failed: UnauthorizedOperation/);
    expect(sent()).toHaveLength(1);
    expect(degraded).toEqual([]);
  });

  it('listings that take an input of their own send the smaller page too (templates, tagged templates, instances by filter)', async () => {
    ec2
      .on(DescribeLaunchTemplateVersionsCommand, { MaxResults: 200 })
      .rejects(requestTimeout(10_000))
      .on(DescribeLaunchTemplateVersionsCommand, { MaxResults: 40 })
      .resolves({ LaunchTemplateVersions: [{ LaunchTemplateId: 'lt-0aaaaaaaaaaaaaaa1', VersionNumber: 1 }] })
      .on(DescribeLaunchTemplatesCommand, { MaxResults: 200 })
      .rejects(requestTimeout(10_000))
      .on(DescribeLaunchTemplatesCommand, { MaxResults: 40 })
      .resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-0aaaaaaaaaaaaaaa1' }] })
      .on(DescribeInstancesCommand, { MaxResults: 1000 })
      .rejects(requestTimeout(10_000))
      .on(DescribeInstancesCommand, { MaxResults: 200 })
      .resolves({ Reservations: [{ Instances: [instance('i-0aaaaaaaaaaaaaaa1')] }] });
    const { result, degraded } = await collectDegradations(async () => ({
      versions: await all(pageAccountTemplateVersions(clients.ec2, ['$Default', '$Latest'])),
      tagged: await describeLaunchTemplatesTagged(clients.ec2, 'imds-guard:source-launch-configuration', ['lc-1']),
      watched: await all(pageInstancesWhere(clients.ec2, [{ Name: 'tag-key', Values: ['imds-guard:flipped-at'] }])),
    }));
    expect(result.versions.flat()).toHaveLength(1);
    expect(result.tagged).toHaveLength(1);
    expect(result.watched.flat()).toHaveLength(1);
    expect(degraded.map((d) => `${d.operation} ${d.from}→${d.to}`)).toEqual([
      'DescribeLaunchTemplateVersions 200→40',
      'DescribeLaunchTemplates 200→40',
      'DescribeInstances 1000→200',
    ]);
    // The filters stay on the smaller page.
    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand).map((c) => [c.args[0].input.MaxResults, c.args[0].input.Filters?.[0]?.Name])).toEqual([
      [200, 'tag:imds-guard:source-launch-configuration'],
      [40, 'tag:imds-guard:source-launch-configuration'],
    ]);
  });

  it('Auto Scaling groups go 100 → 20 → 5 (MaxRecords)', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).rejects(requestTimeout(10_000));
    await all(pageAutoScalingGroups(clients.autoScaling)).catch(() => undefined);
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand).map((c) => c.args[0].input.MaxRecords)).toEqual([100, 20, 5]);
  });

  it('a run that fell back once starts its next listing of the same call at the smaller size', async () => {
    ec2
      .on(DescribeInstancesCommand, { MaxResults: 1000 })
      .rejects(requestTimeout(10_000))
      .on(DescribeInstancesCommand, { MaxResults: 200 })
      .resolves({ Reservations: [{ Instances: [instance('i-0aaaaaaaaaaaaaaa1')] }] });
    const { degraded } = await collectDegradations(async () => {
      await all(pageInstances(clients.ec2));
      await all(pageInstances(clients.ec2));
    });
    expect(sent().map((s) => s.MaxResults)).toEqual([1000, 200, 200]);
    expect(degraded).toHaveLength(1);
    // A new run starts at the full size again.
    await collectDegradations(() => all(pageInstances(clients.ec2)));
    expect(sent().map((s) => s.MaxResults)).toEqual([1000, 200, 200, 1000, 200]);
  });

  it('each run keeps only its own degradations when runs overlap (scan --org)', async () => {
    ec2
      .on(DescribeInstancesCommand, { MaxResults: 1000 })
      .rejects(requestTimeout(10_000))
      .on(DescribeInstancesCommand, { MaxResults: 200 })
      .resolves({ Reservations: [] });
    const quiet = async (): Promise<number> => 0;
    const [slow, other] = await Promise.all([collectDegradations(() => all(pageInstances(clients.ec2))), collectDegradations(quiet)]);
    expect(slow.degraded).toHaveLength(1);
    expect(other.degraded).toEqual([]);
  });
});

describe('the sweep index of active findings (GetFindings)', () => {
  const securityHub = mockClient(SecurityHubClient);
  beforeEach(() => securityHub.reset());

  it('reads a timed-out page again at 20 findings a page', async () => {
    const gone = 'i-0aaaaaaaaaaaaaaa9';
    securityHub
      .on(GetFindingsCommand, { MaxResults: 100 })
      .rejects(requestTimeout(10_000))
      .on(GetFindingsCommand, { MaxResults: 20 })
      .resolves({ Findings: [{ Id: `imds-guard/${SCOPE.region}/${SCOPE.account}/instance/${gone}/imdsv2` } as never] });
    const { result, degraded } = await collectDegradations(() =>
      listActiveFindingRefs(new SecurityHubClient({ region: SCOPE.region }), { ...SCOPE, sleep: async () => undefined }),
    );
    expect(result.map((r) => r.id)).toEqual([gone]);
    expect(securityHub.commandCalls(GetFindingsCommand).map((c) => c.args[0].input.MaxResults)).toEqual([100, 20]);
    expect(degraded).toMatchObject([{ operation: 'GetFindings', from: 100, to: 20 }]);
  });
});
