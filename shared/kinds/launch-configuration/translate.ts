/**
 * DescribeLaunchConfigurations records → the launch-configuration subject. Pure.
 */
import type { LaunchConfiguration } from '@aws-sdk/client-auto-scaling';
import type { LaunchConfigurationSubject } from './subject.js';
import type { Scope } from '../../model.js';
import { metadataOptions, ref, str, toDate } from '../../aws/translate.js';

export function launchConfigurationSubject(lc: LaunchConfiguration, scope: Scope): LaunchConfigurationSubject {
  const name = str(lc.LaunchConfigurationName);
  if (name === undefined) throw new Error('DescribeLaunchConfigurations returned a record without LaunchConfigurationName');
  const subject: LaunchConfigurationSubject = {
    kind: 'launch-configuration',
    ref: ref('launch-configuration', name, scope),
    name,
    metadata: lc.MetadataOptions == null ? undefined : metadataOptions(lc.MetadataOptions),
    raw: { ...(lc as unknown as Record<string, unknown>) },
  };
  const arn = str(lc.LaunchConfigurationARN);
  if (arn !== undefined) subject.arn = arn;
  const created = toDate(lc.CreatedTime);
  if (created !== undefined) subject.createdTime = created;
  return subject;
}
