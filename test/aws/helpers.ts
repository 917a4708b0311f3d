/** Test helpers for the describe adapters: fixtures of API replies and mocked clients (errors: test/support/aws-errors.ts). */
import { readFileSync } from 'node:fs';
import { AutoScalingClient, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Instance } from '@aws-sdk/client-ec2';
import type { Client, MetadataBearer } from '@smithy/types';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach } from 'vitest';

/** A JSON fixture under test/fixtures/api, typed as the SDK output it stands for. */
export function apiFixture<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/api/${path}`, import.meta.url), 'utf8')) as T;
}

export function instance(id: string, extra: Partial<Instance> = {}): Instance {
  return {
    InstanceId: id,
    State: { Code: 16, Name: 'running' },
    MetadataOptions: { State: 'applied', HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' },
    ...extra,
  };
}

/** `n` distinct well-formed instance ids. */
export function instanceIds(n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => `i-${(i + offset).toString(16).padStart(17, '0')}`);
}

export const SCOPE = { account: '111122223333', region: 'us-east-1' } as const;

export function newClients(): { region: string; ec2: EC2Client; autoScaling: AutoScalingClient } {
  return {
    region: SCOPE.region,
    ec2: new EC2Client({ region: SCOPE.region }),
    autoScaling: new AutoScalingClient({ region: SCOPE.region }),
  };
}

/** A mock of `client` whose stubs and recorded calls are cleared after each test. */
export function mocked<TInput extends object, TOutput extends MetadataBearer, TConfig>(client: Client<TInput, TOutput, TConfig>) {
  const mock = mockClient<TInput, TOutput, TConfig>(client);
  afterEach(() => mock.reset());
  return mock;
}

/** `newClients()` with both clients mocked; the caller clears them (see mockedClients). */
export function mockClients() {
  const clients = newClients();
  return { clients, ec2: mockClient(clients.ec2), autoScaling: mockClient(clients.autoScaling) };
}

/** `mockClients()` for a whole test file: stubs and recorded calls cleared after each test. */
export function mockedClients() {
  const clients = newClients();
  return { clients, ec2: mocked(clients.ec2), autoScaling: mocked(clients.autoScaling) };
}

/** A DescribeAutoScalingGroups record: a small group, plus whatever `extra` says about its launch source. */
export function groupRecord(name: string, extra: Partial<AutoScalingGroup> = {}): AutoScalingGroup {
  return {
    AutoScalingGroupName: name,
    MinSize: 1,
    MaxSize: 2,
    DesiredCapacity: 1,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-1a'],
    HealthCheckType: 'EC2',
    CreatedTime: new Date('2024-01-01T00:00:00Z'),
    ...extra,
  };
}
