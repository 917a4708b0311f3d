/**
 * The Lambda entry points and Powertools: the Lambda context on every log
 * line, the pipeline's counters as embedded metrics (namespace imds-guard),
 * flushed also when the invocation fails, and tracing only when asked for.
 */
import { readFileSync } from 'node:fs';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand, EC2Client, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ec2Error } from '../support/aws-errors.js';
import { watchedInstanceReply } from '../support/watched.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClients } from '../../shared/aws/clients.js';
import { count, takeCounts } from '../../shared/observability/metrics.js';
import { traced, tracingEnabled } from '../../shared/lambda/trace.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const context = {
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:imds-guard-events`,
  functionName: 'imds-guard-events',
  functionVersion: '$LATEST',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const runInstances = JSON.parse(readFileSync(new URL('../fixtures/cloudtrail/RunInstances.json', import.meta.url), 'utf8'));
const INSTANCE_ID: string = runInstances.detail.responseElements.instancesSet.items[0].instanceId;

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const cloudWatch = mockClient(CloudWatchClient);
const securityHub = mockClient(SecurityHubClient);
const config = mockClient(ConfigServiceClient);

let written: string[] = [];
const saved = { metrics: process.env.POWERTOOLS_METRICS_DISABLED, level: process.env.POWERTOOLS_LOG_LEVEL };

beforeEach(() => {
  for (const mock of [ec2, autoScaling, cloudWatch, securityHub, config]) mock.reset();
  takeCounts();
  written = [];
  // Powertools writes through its own Console on process.stdout.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  }
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});
afterEach(() => {
  vi.restoreAllMocks();
  process.env.POWERTOOLS_METRICS_DISABLED = saved.metrics;
  process.env.POWERTOOLS_LOG_LEVEL = saved.level;
});

type Handler = (event: unknown, context: Context) => Promise<Record<string, unknown>>;
async function loadEvents(): Promise<Handler> {
  vi.resetModules();
  return ((await import('../../functions/events.js')) as unknown as { handler: Handler }).handler;
}

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

function lines(): Record<string, unknown>[] {
  return written
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `Name` or `Name{dim=value}` → value, from every EMF record written. */
function metrics(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const record of lines().filter((l): l is Emf => '_aws' in l)) {
    for (const directive of record._aws.CloudWatchMetrics) {
      expect(directive.Namespace).toBe('imds-guard');
      const dims = directive.Dimensions.flat().filter((d) => d !== 'service');
      for (const m of directive.Metrics) {
        expect(m.Unit).toBe('Count');
        const key = dims.length ? `${m.Name}{${dims.map((d) => `${d}=${String(record[d])}`).join(',')}}` : m.Name;
        out[key] = (out[key] ?? 0) + Number(record[m.Name]);
      }
    }
  }
  return out;
}

describe('events handler with Powertools', () => {
  it('logs with the Lambda context and publishes the invocation metrics', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: INSTANCE_ID,
              ImageId: 'ami-0abcdef1234567890',
              LaunchTime: new Date('2025-01-01T00:00:00Z'),
              State: { Code: 16, Name: 'running' },
              MetadataOptions: { State: 'applied', HttpTokens: 'optional', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
            },
          ],
        },
      ],
    });
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', Values: [], Timestamps: [], StatusCode: 'Complete' }] });
    securityHub.on(BatchImportFindingsCommand).callsFake((input) => ({ SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] }));
    const handler = await loadEvents();
    const result = await handler(runInstances, context);
    expect(result).toMatchObject({ status: 'done', nonCompliant: 1 });

    const verdict = lines().find((l) => l.message === 'verdict');
    expect(verdict).toMatchObject({
      function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      function_name: 'imds-guard-events',
      cold_start: expect.any(Boolean),
      service: 'imds-guard',
    });
    // detect mode: one verdict, two findings (imdsv2, hop-limit), nothing remediated
    expect(metrics()).toEqual({ 'Verdicts{compliance=NON_COMPLIANT}': 1, FindingsPublished: 2 });
  });

  it('counts a failed invocation and still flushes', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('InternalError', 'An internal error has occurred.', { attempts: 3 }));
    const handler = await loadEvents();
    await expect(handler(runInstances, context)).rejects.toThrow();
    expect(metrics()).toEqual({ 'Failures{stage=invocation}': 1 });
  });

  it('publishes nothing for an ignored event (no empty EMF record)', async () => {
    const handler = await loadEvents();
    const result = await handler(JSON.parse(readFileSync(new URL('../fixtures/cloudtrail/UpdateAutoScalingGroup-sizes-only.json', import.meta.url), 'utf8')), context);
    expect(result.status).toBe('ignored');
    expect(metrics()).toEqual({});
  });
});

describe('metric counters', () => {
  it('add up per name and dimension, and start afresh after a take', () => {
    count('Skips', 1, { name: 'gate', value: 'usage-known' });
    count('Skips', 2, { name: 'gate', value: 'usage-known' });
    count('Skips', 1, { name: 'gate', value: 'exempt' });
    count('FindingsPublished', 0);
    expect(takeCounts()).toEqual([
      { name: 'Skips', dimension: { name: 'gate', value: 'usage-known' }, value: 3 },
      { name: 'Skips', dimension: { name: 'gate', value: 'exempt' }, value: 1 },
    ]);
    expect(takeCounts()).toEqual([]);
  });
});

describe('watch handler metrics: "Rollbacks" counts only what was rolled back', () => {
  const flipped = new Date(Date.now() - 3_600_000);
  const watched = watchedInstanceReply(INSTANCE_ID, flipped);
  async function loadWatch(): Promise<Handler> {
    vi.resetModules();
    return ((await import('../../functions/watch.js')) as unknown as { handler: Handler }).handler;
  }
  beforeEach(() => {
    process.env.IMDS_GUARD_MODE = 'enforce';
    ec2.on(DescribeInstancesCommand).resolves(watched);
    ec2.on(CreateTagsCommand).resolves({});
    ec2.on(DeleteTagsCommand).resolves({});
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'r0', Values: [3], Timestamps: [new Date(flipped.getTime() + 600_000)], StatusCode: 'Complete' }] });
  });
  afterEach(() => {
    delete process.env.IMDS_GUARD_MODE;
  });

  it('a restore AWS refuses because the account enforces IMDSv2: a breakage and a rollback failure, no rollback, the run does not fail', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(
      ec2Error('UnsupportedOperation', "You can't launch instances with IMDSv1 because httpTokensEnforced is enabled for this account."),
    );
    const handler = await loadWatch();
    expect(await handler({}, context)).toMatchObject({ status: 'done', breakages: 1, rolledBack: 0, rollbackFailures: 1, writeFailures: 0 });
    const m = metrics();
    expect(m).toMatchObject({ Breakages: 1, Rollbacks: 0, RollbackFailures: 1, WatchWriteFailures: 0 });
  });

  it('a restore read back as recorded: a rollback', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceId: INSTANCE_ID });
    ec2.on(DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] }).resolves({
      Reservations: [{ Instances: [{ InstanceId: INSTANCE_ID, MetadataOptions: { State: 'pending', HttpTokens: 'optional', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' } }] }],
    });
    const handler = await loadWatch();
    await handler({}, context);
    expect(metrics()).toMatchObject({ Breakages: 1, Rollbacks: 1, RollbackFailures: 0 });
  });
});

describe('IMDS_GUARD_TRACING', () => {
  it('is off by default: the clients are returned untouched', () => {
    const clients = createClients(REGION);
    expect(tracingEnabled({})).toBe(false);
    expect(traced(clients, {})).toBe(clients);
  });

  it('on, in Lambda: every client carries the X-Ray middleware', () => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
    vi.stubEnv('AWS_XRAY_CONTEXT_MISSING', 'IGNORE_ERROR');
    try {
      const clients = createClients(REGION);
      const before = clients.ec2.middlewareStack.identify().length;
      const t = traced(clients, { IMDS_GUARD_TRACING: 'true' });
      for (const c of [t.ec2, t.autoScaling, t.config, t.securityHub, t.cloudWatch]) {
        expect(c.middlewareStack.identify().some((m) => /xray/i.test(m))).toBe(true);
      }
      expect(t.ec2.middlewareStack.identify().length).toBeGreaterThan(before);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
