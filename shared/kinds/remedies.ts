/**
 * How each kind is remediated (shared/kinds/<kind>/remedy.ts): the second
 * table of kinds, read only by shared/act/index.ts and infra IAM, so the
 * functions that never write (the Config rule) neither bundle nor are granted
 * a write call. A kind without a row is reported, never changed.
 */
import type { ResourceKind } from '../model.js';
import { accountDefaultsRemedy } from './account-defaults/remedy.js';
import { autoScalingGroupRemedy } from './auto-scaling-group/remedy.js';
import type { KindRemedy } from './edge-types.js';
import { instanceRemedy } from './instance/remedy.js';
import { launchConfigurationRemedy } from './launch-configuration/remedy.js';
import { launchTemplateRemedy } from './launch-template/remedy.js';

export const REMEDIES: Readonly<Partial<Record<ResourceKind, KindRemedy>>> = {
  instance: instanceRemedy,
  'launch-template': launchTemplateRemedy,
  'launch-configuration': launchConfigurationRemedy,
  'account-defaults': accountDefaultsRemedy,
  'auto-scaling-group': autoScalingGroupRemedy,
};
