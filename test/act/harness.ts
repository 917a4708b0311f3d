/**
 * The remediator (shared/act/index.ts) against mocked EC2 and Auto Scaling,
 * for the tests of the remediator itself and of each kind's remedy
 * (test/kinds/<kind>/remedy.test.ts).
 */
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { beforeEach } from 'vitest';
import type { RemediateDeps } from '../../shared/act/index.js';
import { decide, type DecideContext } from '../../shared/engine/decide.js';
import type { Plan } from '../../shared/verdict.js';
import type { Subject } from '../../shared/kinds/subject.js';
import type { Policy } from '../../shared/policy.js';
import { mockedAws } from '../support/mocked-aws.js';
import { ACCOUNT, NOW, verdict } from './helpers.js';

const UNUSED: DecideContext = { now: NOW, usage: { noTokenCalls: 0, lookbackDays: 14 } };

/** The plan decide makes for a non-compliant subject whose IMDSv1 use is known to be nil. */
export function planFor(subject: Subject, p: Policy, ctx: Partial<DecideContext> = {}): Plan {
  return decide(verdict(subject), p, { ...UNUSED, ...ctx });
}

/** Mocked clients cleared before each test (no Auto Scaling groups unless a test adds them), and the remediator's deps on them. */
export function remediationHarness() {
  const aws = mockedAws();
  beforeEach(() => {
    aws.ec2.reset();
    aws.autoScaling.reset();
    aws.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
  });
  const deps = (p: Policy, extra: Partial<RemediateDeps> = {}): RemediateDeps => ({ clients: aws.clients, policy: p, account: ACCOUNT, now: () => NOW, ...extra });
  return { ...aws, deps };
}


/** A DescribeInstances answer for one instance whose new options are being applied. */
export function describedInstance(id: string, tokens: 'optional' | 'required', hop = 2) {
  return {
    Reservations: [
      { Instances: [{ InstanceId: id, MetadataOptions: { State: 'pending' as const, HttpTokens: tokens, HttpPutResponseHopLimit: hop, HttpEndpoint: 'enabled' as const } }] },
    ],
  };
}
