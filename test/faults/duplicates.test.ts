/**
 * EventBridge delivers at least once, and not in order; our own fix makes a
 * CloudTrail event of its own. The same RunInstances event delivered twice,
 * with our ModifyInstanceMetadataOptions event before, between or after it:
 * the same final findings every time, and exactly one
 * ModifyInstanceMetadataOptions (enforce mode, the real events handler).
 */
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { instanceId, startFakeAws, type FakeAws } from '../../bench/fake-aws.js';
import { SCOPE } from './support.js';

const context = { invokedFunctionArn: `arn:aws:lambda:${SCOPE.region}:${SCOPE.account}:function:imds-guard-events` } as Context;
const fixture = (path: string): Record<string, any> => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));

/** Instance 1: HttpTokens=optional, and the fake reports no IMDSv1 calls for it, so enforce mode fixes it. */
const TARGET = instanceId(1);

function runInstances(): unknown {
  const event = fixture('cloudtrail/RunInstances.json');
  const item = event.detail.responseElements.instancesSet.items[0];
  event.detail.responseElements.instancesSet.items = [{ ...item, instanceId: TARGET }];
  return event;
}

/** The CloudTrail record of imds-guard's own fix (its role lives under the /imds-guard/ path). */
function ownModify(): unknown {
  const event = JSON.parse(JSON.stringify(fixture('cloudtrail/ModifyInstanceMetadataOptions-nested.json')).replaceAll('i-0123456789abcdef0', TARGET));
  event.detail.requestParameters.ModifyInstanceMetadataOptionsRequest.InstanceId = TARGET;
  event.detail.requestParameters.ModifyInstanceMetadataOptionsRequest.HttpTokens = 'required';
  event.detail.userIdentity.sessionContext.sessionIssuer.arn = `arn:aws:iam::${SCOPE.account}:role/imds-guard/imds-guard-events`;
  event.detail.userIdentity.arn = `arn:aws:sts::${SCOPE.account}:assumed-role/imds-guard-events/session`;
  return event;
}

type Handler = (event: unknown, context: Context) => Promise<{ status: string }>;

beforeAll(() => {
  process.env.IMDS_GUARD_MODE = 'enforce'; // the policy is read when the handler module loads
});
afterAll(() => {
  delete process.env.IMDS_GUARD_MODE;
  delete process.env.AWS_ENDPOINT_URL;
});

/** Each sequence on a fresh fake, with a freshly imported handler (its clients are built at import, from AWS_ENDPOINT_URL). */
async function deliver(sequence: (() => unknown)[]): Promise<{ fake: FakeAws; finalFindings: unknown; statuses: string[] }> {
  const fake = await startFakeAws({ instances: 50, launchTemplates: 1, launchConfigurations: 1, nonCompliantShare: 1 });
  try {
    process.env.AWS_ENDPOINT_URL = fake.url;
    vi.resetModules();
    const handler = (await import('../../functions/events.js')).handler as Handler;
    const statuses: string[] = [];
    for (const make of sequence) statuses.push((await handler(make(), context)).status);
    const finalFindings = [...fake.findings.values()]
      .map((f) => ({ id: f.Id, compliance: f.ComplianceStatus, record: f.RecordState, workflow: f.WorkflowStatus }))
      .sort((a, b) => a.id.localeCompare(b.id));
    return { fake, finalFindings, statuses };
  } finally {
    await fake.close();
  }
}

describe('duplicate and out-of-order delivery (enforce mode)', () => {
  it('same final findings and exactly one ModifyInstanceMetadataOptions, whatever the order', async () => {
    const orders: [string, (() => unknown)[]][] = [
      ['run, run', [runInstances, runInstances]],
      ['run, own fix, run', [runInstances, ownModify, runInstances]],
      ['own fix, run, run', [ownModify, runInstances, runInstances]],
      ['run, run, own fix, own fix', [runInstances, runInstances, ownModify, ownModify]],
    ];
    const results = [];
    for (const [name, sequence] of orders) {
      const r = await deliver(sequence);
      expect({ name, modifications: r.fake.modifications }).toEqual({ name, modifications: [TARGET] });
      expect(r.statuses.every((s) => s === 'done')).toBe(true);
      results.push(r.finalFindings);
    }
    expect(results[0]).toEqual([
      { id: `imds-guard/${SCOPE.region}/${SCOPE.account}/instance/${TARGET}/hop-limit`, compliance: 'PASSED', record: 'ACTIVE', workflow: 'NEW' },
      { id: `imds-guard/${SCOPE.region}/${SCOPE.account}/instance/${TARGET}/imdsv2`, compliance: 'PASSED', record: 'ACTIVE', workflow: 'RESOLVED' },
    ]);
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
  }, 30_000);
});
