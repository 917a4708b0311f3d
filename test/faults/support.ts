/**
 * Fault tests: real SDK clients against the fake endpoint (bench/fake-aws.ts),
 * with a retry strategy that retries throttling and 5xx at once (no backoff,
 * no retry quota), so a 30% fault rate costs milliseconds, not minutes.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Clients } from '../../shared/aws/clients.js';
import { createUsageSource } from '../../shared/wiring/usage.js';
import { createLoader } from '../../shared/wiring/load.js';
import type { PipelineDeps } from '../../shared/engine/pipeline.js';
import { DEFAULT_POLICY } from '../../shared/policy.js';
import { createSecurityHubSink } from '../../shared/sinks/securityhub.js';
import { ACCOUNT, REGION, type FakeAws } from '../../bench/fake-aws.js';

export const SCOPE = { account: ACCOUNT, region: REGION } as const;
export const noSleep = async (): Promise<void> => undefined;

interface Token {
  getRetryCount(): number;
  getRetryDelay(): number;
}
const token = (n: number): Token => ({ getRetryCount: () => n, getRetryDelay: () => 0 });

/** SDK RetryStrategyV2: retries everything but client errors, up to `maxAttempts`, without delay. */
export function immediateRetry(maxAttempts = 12) {
  return {
    mode: 'standard',
    acquireInitialRetryToken: async (): Promise<Token> => token(0),
    refreshRetryTokenForRetry: async (t: Token, info: { errorType: string }): Promise<Token> => {
      if (info.errorType === 'CLIENT_ERROR' || t.getRetryCount() + 1 >= maxAttempts) throw new Error('no more retries');
      return token(t.getRetryCount() + 1);
    },
    recordSuccess: (): void => undefined,
  };
}

export function fakeClients(url: string, maxAttempts = 12): Clients {
  const config = {
    region: REGION,
    endpoint: url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    retryStrategy: immediateRetry(maxAttempts),
  };
  return {
    region: REGION,
    ec2: new EC2Client(config),
    autoScaling: new AutoScalingClient(config),
    config: new ConfigServiceClient(config),
    securityHub: new SecurityHubClient(config),
    cloudWatch: new CloudWatchClient(config),
  };
}

/** The sweep's wiring (shared/wiring/pipeline-deps.ts, detect mode) with the sinks' own backoff made instant. */
export function detectDeps(clients: Clients): PipelineDeps {
  return {
    policy: DEFAULT_POLICY,
    loader: createLoader(clients, { account: ACCOUNT, notFoundRetryDelaysMs: [] }),
    usage: createUsageSource(clients.cloudWatch),
    findings: createSecurityHubSink(clients.securityHub, { ...SCOPE, sleep: noSleep, maxAttempts: 8 }),
  };
}

export function destroy(clients: Clients): void {
  for (const c of Object.values(clients)) if (typeof c === 'object') c.destroy();
}

/** Puts an ACTIVE imds-guard finding of an instance into the fake's store, last updated long ago; returns its Id. */
export function seedActiveFinding(fake: FakeAws, instanceId: string, check: 'imdsv2' | 'hop-limit'): string {
  const id = `imds-guard/${SCOPE.region}/${SCOPE.account}/instance/${instanceId}/${check}`;
  fake.findings.set(id, {
    Id: id,
    ProductArn: `arn:aws:securityhub:${SCOPE.region}:${SCOPE.account}:product/${SCOPE.account}/default`,
    GeneratorId: `imds-guard/${check}`,
    AwsAccountId: SCOPE.account,
    ProductFields: {},
    RecordState: 'ACTIVE',
    UpdatedAt: '2025-01-01T00:00:00.000Z',
    imports: 0,
    notes: 0,
  });
  return id;
}
