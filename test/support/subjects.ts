/** Builders of subjects for tests of the pure core and the pipeline. */
import type { AccountDefaultsSubject } from '../../shared/kinds/account-defaults/subject.js';
import type { InstanceSubject } from '../../shared/kinds/instance/subject.js';
import type { LaunchConfigurationSubject } from '../../shared/kinds/launch-configuration/subject.js';
import type { LaunchTemplateSubject } from '../../shared/kinds/launch-template/subject.js';
import type { MetadataOptions, ResourceRef } from '../../shared/model.js';
import type { Plan } from '../../shared/verdict.js';
import type { Blocker, StageName, StageReport } from '../../shared/kinds/stage.js';
import type { AutoScalingGroupSubject, LaunchSource } from '../../shared/kinds/auto-scaling-group/subject.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export function ref(kind: ResourceRef['kind'], id: string): ResourceRef {
  return { kind, id, account: ACCOUNT, region: REGION };
}

export function instance(id: string, metadata: MetadataOptions = {}, extra: Partial<InstanceSubject> = {}): InstanceSubject {
  return {
    kind: 'instance',
    ref: ref('instance', id),
    state: 'running',
    metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled', ...metadata },
    metadataState: 'applied',
    tags: {},
    launchTime: new Date('2026-01-01T00:00:00Z'),
    imageId: 'ami-0123456789abcdef0',
    ...extra,
  };
}

export function launchTemplate(id: string, metadata: MetadataOptions = {}, extra: Partial<LaunchTemplateSubject> = {}): LaunchTemplateSubject {
  return {
    kind: 'launch-template',
    ref: ref('launch-template', id),
    name: `template-${id}`,
    tags: {},
    defaultVersion: { versionNumber: 1, metadata },
    accountDefaults: {},
    ...extra,
  };
}

export function launchConfiguration(name: string, metadata?: MetadataOptions): LaunchConfigurationSubject {
  return {
    kind: 'launch-configuration',
    ref: ref('launch-configuration', name),
    name,
    metadata,
    raw: { LaunchConfigurationName: name, ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro' },
  };
}

export function accountDefaults(metadata: MetadataOptions = {}): AccountDefaultsSubject {
  return { kind: 'account-defaults', ref: ref('account-defaults', ACCOUNT), metadata };
}

/**
 * A stage as shared/engine/stage.ts reports it, for tests that need one
 * attached (the decide gate, the account default's finding). A `ready` stage
 * has no blocker; any other gets one launch-path blocker unless given.
 */
export function stageReport(stage: StageName, extra: Partial<StageReport> = {}): StageReport {
  const blockers: Blocker[] =
    stage === 'ready'
      ? []
      : [{ type: 'launch-path', kind: 'launch-template', id: 'lt-0bbbbbbbbbbbbbbb1', why: 'default version 1 of web launches with HttpTokens=optional' }];
  return {
    stage,
    reason: `a ${stage} account-region`,
    summary: `a ${stage} account-region`,
    blockers,
    instancesAllowingImdsv1: 0,
    imdsv1: { lookbackDays: 14, callers: [], source: 'search' },
    ...extra,
  };
}

export function autoScalingGroup(name: string, sources: LaunchSource[], extra: Partial<AutoScalingGroupSubject> = {}): AutoScalingGroupSubject {
  return { kind: 'auto-scaling-group', ref: ref('auto-scaling-group', name), name, tags: {}, sources, accountDefaults: {}, ...extra };
}

/** A plan cleared to run (no gates) that requires IMDSv2: what a remedy is handed. */
export function clearedPlan(ref: ResourceRef, action: Plan['action'], extra: Partial<Plan> = {}): Plan {
  return { ref, action, target: { httpTokens: 'required' }, gates: [], execute: true, summary: '', ...extra };
}
