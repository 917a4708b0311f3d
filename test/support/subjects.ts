/** Builders of subjects for tests of the pure core and the pipeline. */
import type { AccountDefaultsSubject } from '../../shared/kinds/account-defaults/subject.js';
import type { InstanceSubject } from '../../shared/kinds/instance/subject.js';
import type { LaunchConfigurationSubject } from '../../shared/kinds/launch-configuration/subject.js';
import type { LaunchTemplateSubject } from '../../shared/kinds/launch-template/subject.js';
import type { MetadataOptions, ResourceRef } from '../../shared/model.js';

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
