/**
 * Partial failures inside a 200 reply: BatchImportFindings `FailedFindings`
 * and PutEvaluations `FailedEvaluations`. Transient ones are retried until
 * they go through (once each); permanent ones are retried, then the handler
 * throws PublishError naming the failed ids (so Lambda retries the event and
 * the dead-letter queue keeps it).
 *
 * The real handlers (functions/events.ts, functions/config-rule.ts) against
 * the fake endpoint; the sinks' own backoff is the production one (≈ 2-4 s for
 * the permanent case), the SDK's is not exercised here.
 */
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instanceId, startFakeAws, type FakeAws } from '../../bench/fake-aws.js';
import { PublishError } from '../../shared/engine/unpublished.js';
import { createSecurityHubSink } from '../../shared/sinks/securityhub.js';
import { processSubjects } from '../../shared/engine/pipeline.js';
import { createLoader } from '../../shared/wiring/load.js';
import { DEFAULT_POLICY } from '../../shared/policy.js';
import { destroy, fakeClients, noSleep, SCOPE } from './support.js';

const context = { invokedFunctionArn: `arn:aws:lambda:${SCOPE.region}:${SCOPE.account}:function:imds-guard` } as Context;
const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

function runInstances(...ids: string[]): unknown {
  const event = JSON.parse(fixture('cloudtrail/RunInstances.json'));
  const item = event.detail.responseElements.instancesSet.items[0];
  event.detail.responseElements.instancesSet.items = ids.map((instanceId) => ({ ...item, instanceId }));
  return event;
}
const findingOf = (id: string, check = 'imdsv2'): string => `imds-guard/${SCOPE.region}/${SCOPE.account}/instance/${id}/${check}`;

let fake: FakeAws;
let events: (event: unknown, context: Context) => Promise<unknown>;
let configRule: (event: unknown, context: Context) => Promise<unknown>;

beforeAll(async () => {
  fake = await startFakeAws({ instances: 400, launchTemplates: 2, launchConfigurations: 2 });
  process.env.AWS_ENDPOINT_URL = fake.url;
  events = (await import('../../functions/events.js')).handler;
  configRule = (await import('../../functions/config-rule.js')).handler;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await fake.close();
});
beforeEach(() => {
  fake.setFaults(undefined);
  fake.findings.clear();
  fake.evaluations.clear();
  fake.reset();
});

describe('BatchImportFindings FailedFindings', () => {
  it('transient item failures (40%) are retried until every finding is imported, once each', async () => {
    fake.setFaults({ rate: 0, itemRate: 0.4, seed: 3 });
    const clients = fakeClients(fake.url);
    try {
      const deps = {
        policy: DEFAULT_POLICY,
        loader: createLoader(clients, { account: SCOPE.account, notFoundRetryDelaysMs: [] }),
        findings: createSecurityHubSink(clients.securityHub, { ...SCOPE, sleep: noSleep, maxAttempts: 20 }),
      };
      const ids = Array.from({ length: 300 }, (_, i) => instanceId(i));
      const subjects = await deps.loader.load(ids.map((id) => ({ kind: 'instance' as const, id, ...SCOPE })));
      const result = await processSubjects(subjects, deps);
      expect(result.findings).toMatchObject({ published: 600, failed: [] });
    } finally {
      destroy(clients);
    }
    expect(fake.findings.size).toBe(600);
    expect([...fake.findings.values()].every((f) => f.imports === 1)).toBe(true);
    expect(fake.calls.get('securityhub:BatchImportFindings')).toBeGreaterThan(3); // retried batches
  });

  it('a finding that keeps failing: the events handler retries, then throws PublishError naming it', async () => {
    const bad = instanceId(5);
    fake.setFaults({ rate: 0, alwaysFail: (id) => id === findingOf(bad) });
    const run = events(runInstances(instanceId(4), bad), context);
    await expect(run).rejects.toBeInstanceOf(PublishError);
    const error = (await run.catch((e: unknown) => e)) as PublishError;
    expect(error.failed.map((f) => f.id)).toEqual([findingOf(bad)]);
    expect(error.message).toContain(findingOf(bad));
    expect(error.message).toMatch(/after 5 attempts/);
    // The other findings went through; the failing one was tried 5 times (1 + 4 retries).
    expect(fake.findings.has(findingOf(instanceId(4)))).toBe(true);
    expect(fake.findings.has(findingOf(bad, 'hop-limit'))).toBe(true);
    expect(fake.calls.get('securityhub:BatchImportFindings')).toBe(5);
  }, 20_000);
});

describe('PutEvaluations FailedEvaluations', () => {
  const change = (id: string): unknown => JSON.parse(fixture('config/change-instance.json').replaceAll('i-0123456789abcdef0', id));

  it('transient failures are retried: the evaluation is delivered once', async () => {
    fake.setFaults({ rate: 0, itemRate: 0.5, seed: 11 });
    await expect(configRule(change(instanceId(7)), context)).resolves.toMatchObject({ status: 'done', evaluated: 1 });
    expect(fake.evaluations.get(`AWS::EC2::Instance/${instanceId(7)}`)).toBe(1);
  }, 20_000);

  it('an evaluation that keeps failing: the config-rule handler throws PublishError naming the resource', async () => {
    const key = `AWS::EC2::Instance/${instanceId(8)}`;
    fake.setFaults({ rate: 0, alwaysFail: (id) => id === key });
    const run = configRule(change(instanceId(8)), context);
    const error = (await run.catch((e: unknown) => e)) as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    expect(error.failed).toEqual([{ id: key, error: expect.stringMatching(/FailedEvaluations.*after 5 attempts/) }]);
    expect(fake.calls.get('config:PutEvaluations')).toBe(5);
  }, 20_000);
});
