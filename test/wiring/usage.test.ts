import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createImageSupport } from '../../shared/wiring/images.js';
import { MAX_DATAPOINTS_PER_CALL, SEARCH_SERIES_LIMIT, choosePeriod, createUsageSource, minimumPeriodFor } from '../../shared/wiring/usage.js';
import { NOW } from '../act/helpers.js';
import { awsError } from '../support/aws-errors.js';

const cw = mockClient(CloudWatchClient);
const ids = (n: number) => Array.from({ length: n }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);

beforeEach(() => cw.reset());

describe('choosePeriod', () => {
  it.each([1, 7, 14, 15, 16, 30, 63, 64, 90, 455])('%i days: retention and the datapoint limit hold', (days) => {
    const period = choosePeriod(days);
    expect(period % 60).toBe(0);
    expect(period).toBeGreaterThanOrEqual(minimumPeriodFor(days));
    expect(Math.ceil((days * 86400) / period) * 500).toBeLessThanOrEqual(MAX_DATAPOINTS_PER_CALL);
  });

  it('respects CloudWatch retention (1-min 15 d, 5-min 63 d, 1-h 455 d)', () => {
    expect(minimumPeriodFor(15)).toBe(60);
    expect(minimumPeriodFor(16)).toBe(300);
    expect(minimumPeriodFor(64)).toBe(3600);
  });
});

describe('createUsageSource', () => {
  it('1,200 instances → 3 GetMetricData calls of at most 500 queries, well-formed', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const source = createUsageSource(new CloudWatchClient({}), { now: () => NOW });
    const result = await source.usage(ids(1200), 14);
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.args[0].input.MetricDataQueries?.length)).toEqual([500, 500, 200]);
    const input = calls[0]!.args[0].input as GetMetricDataCommandInput;
    expect(input.EndTime?.getTime()! - input.StartTime?.getTime()!).toBe(14 * 86400_000);
    for (const q of input.MetricDataQueries ?? []) {
      expect(q.Id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
      expect(q.MetricStat).toMatchObject({
        Metric: { Namespace: 'AWS/EC2', MetricName: 'MetadataNoToken', Dimensions: [{ Name: 'InstanceId' }] },
        Stat: 'Sum',
        Period: choosePeriod(14),
      });
    }
    expect(new Set(input.MetricDataQueries?.map((q) => q.Id)).size).toBe(500);
    expect(result.size).toBe(1200);
    expect([...result.values()].every((u) => u.noTokenCalls === null)).toBe(true);
  });

  it('sums across pages, keeps the last non-zero time, null without datapoints', async () => {
    const t1 = new Date('2025-03-19T00:00:00Z');
    const t2 = new Date('2025-03-18T00:00:00Z');
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'q0', Values: [3, 0], Timestamps: [t1, t2], StatusCode: 'PartialData' },
          { Id: 'q1', Values: [0, 0], Timestamps: [t1, t2], StatusCode: 'Complete' },
          { Id: 'q2', Values: [], Timestamps: [], StatusCode: 'Complete' },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({ MetricDataResults: [{ Id: 'q0', Values: [4], Timestamps: [t2], StatusCode: 'Complete' }] });
    const result = await createUsageSource(new CloudWatchClient({}), { now: () => NOW }).usage(['i-a', 'i-b', 'i-c', 'i-a'], 14);
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.NextToken).toBe('page-2');
    expect(result.get('i-a')).toEqual({ noTokenCalls: 7, lookbackDays: 14, lastSeen: t1 });
    expect(result.get('i-b')).toEqual({ noTokenCalls: 0, lookbackDays: 14 });
    expect(result.get('i-c')).toEqual({ noTokenCalls: null, lookbackDays: 14 });
  });

  it('makes no call for no instances', async () => {
    await createUsageSource(new CloudWatchClient({})).usage([], 14);
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});

describe('accountUsage: one SEARCH for the whole account-region', () => {
  it('sends one GetMetricData with one SEARCH query over AWS/EC2 MetadataNoToken, labelled by instance, fitting one answer', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [], Messages: [] });
    await createUsageSource(new CloudWatchClient({}), { now: () => NOW }).accountUsage!(14);
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input as GetMetricDataCommandInput;
    const period = choosePeriod(14, SEARCH_SERIES_LIMIT);
    expect(input).toEqual({
      MetricDataQueries: [
        {
          Id: 'imdsv1',
          Expression: `SEARCH('{AWS/EC2,InstanceId} MetricName="MetadataNoToken"', 'Sum', ${period})`,
          Label: "${PROP('Dim.InstanceId')}",
          Period: period,
          ReturnData: true,
        },
      ],
      StartTime: new Date(NOW.getTime() - 14 * 86400_000),
      EndTime: NOW,
      ScanBy: 'TimestampDescending',
    });
    // An expression's answer has no NextToken: 500 series of the window must fit one answer.
    expect(Math.ceil((14 * 86400) / period) * SEARCH_SERIES_LIMIT).toBeLessThanOrEqual(MAX_DATAPOINTS_PER_CALL);
    expect(period % 60).toBe(0);
  });

  it('sums each series by the instance in its label and keeps the last non-zero time', async () => {
    const t1 = new Date('2025-03-19T00:00:00Z');
    const t2 = new Date('2025-03-18T00:00:00Z');
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'imdsv1', Label: 'i-0aaaaaaaaaaaaaaa1', Values: [2, 0, 5], Timestamps: [t1, t2, t2], StatusCode: 'Complete' },
        { Id: 'imdsv1', Label: 'i-0aaaaaaaaaaaaaaa2', Values: [0, 0], Timestamps: [t1, t2], StatusCode: 'Complete' },
      ],
      Messages: [],
    });
    const usage = await createUsageSource(new CloudWatchClient({}), { now: () => NOW }).accountUsage!(14);
    expect(usage).toEqual({
      series: [
        { instanceId: 'i-0aaaaaaaaaaaaaaa1', calls: 7, lastSeen: t1 },
        { instanceId: 'i-0aaaaaaaaaaaaaaa2', calls: 0 },
      ],
    });
  });

  it('says when a limit may have cut the answer: 500 series, a partial series, a window past two weeks', async () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ Id: 'imdsv1', Label: `i-${i.toString(16).padStart(17, '0')}`, Values: [0], Timestamps: [NOW], StatusCode: 'Complete' as const }));
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: many });
    const source = createUsageSource(new CloudWatchClient({}), { now: () => NOW });
    expect((await source.accountUsage!(14)).incomplete).toContain('500 series');
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'imdsv1', Label: 'i-0aaaaaaaaaaaaaaa1', Values: [1], Timestamps: [NOW], StatusCode: 'PartialData' }] });
    expect((await source.accountUsage!(14)).incomplete).toContain('PartialData');
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    expect((await source.accountUsage!(30)).incomplete).toContain('last 14 days');
    expect((await source.accountUsage!(14)).incomplete).toBeUndefined();
  });

  it('lets an AWS error through, as the SDK deserialized it', async () => {
    cw.on(GetMetricDataCommand).rejects(
      awsError('CloudWatch', 'AccessDenied', 'User is not authorized to perform: cloudwatch:GetMetricData'),
    );
    await expect(createUsageSource(new CloudWatchClient({}), { now: () => NOW }).accountUsage!(14)).rejects.toThrow(/not authorized/);
  });
});

describe('createImageSupport', () => {
  const ec2 = mockClient(EC2Client);
  beforeEach(() => ec2.reset());

  it('batches by 200 image ids with an image-id filter and reads ImdsSupport', async () => {
    ec2.on(DescribeImagesCommand).callsFake((input) => ({
      Images: (input.Filters[0].Values as string[])
        .filter((id) => id !== 'ami-gone')
        .map((id: string) => ({ ImageId: id, ...(id.endsWith('0') ? { ImdsSupport: 'v2.0' } : {}) })),
    }));
    const images = Array.from({ length: 250 }, (_, i) => `ami-${i}`).concat('ami-gone');
    const result = await createImageSupport(new EC2Client({}))(images);
    const calls = ec2.commandCalls(DescribeImagesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toMatchObject({ Filters: [{ Name: 'image-id' }], IncludeDeprecated: true });
    expect(result.get('ami-10')).toBe('v2.0');
    expect(result.get('ami-11')).toBeUndefined();
    expect(result.has('ami-gone')).toBe(true);
    expect(result.get('ami-gone')).toBeUndefined();
  });
});
