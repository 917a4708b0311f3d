/**
 * What the action modules share: the clients they need, what they report
 * back, and the refusal an action raises when going on would make things
 * worse (turned into a `skipped` outcome, never a `failed` one).
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Compliance } from '../model.js';
import type { Plan } from '../verdict.js';
import type { Policy } from '../policy.js';
import type { GroupFinder } from './groups.js';
import { ImdsGuardError } from '../errors.js';
import type { EnforcementStore } from '../watch/account/record.js';

export interface ActClients {
  region: string;
  ec2: Pick<EC2Client, 'send'>;
  autoScaling: Pick<AutoScalingClient, 'send'>;
}

export interface ActContext {
  clients: ActClients;
  policy: Policy;
  groups: GroupFinder;
  /** Who asked, for messages: "imds-guard (enforce mode)" or "a Security Hub custom action". */
  actor: string;
  /** The clock, for the watch record of a flip. */
  now?: () => Date;
  /** Where a graduation to HttpTokensEnforced is recorded for the watch after it (absent: not recorded, not watched). */
  enforcement?: EnforcementStore;
}

export interface ActionResult {
  /** What was done, for the finding note. */
  message: string;
  /**
   * Compliance as checked by the action itself, when it can tell better than
   * re-evaluating the resource (a superseded launch configuration stays
   * non-compliant by nature but no group uses it any more).
   */
  verified?: Compliance;
  /** False when the resource already had the fix (duplicate event, race). */
  changed: boolean;
  /** The fix left the resource superseded: the note its finding carries. */
  superseded?: string;
}

export type Action = (plan: Plan, context: ActContext) => Promise<ActionResult>;

/** Going on would make things worse: the outcome is `skipped` with this message. */
export class ActionRefused extends ImdsGuardError {
  override name = 'ActionRefused';
}

/** `VersionDescription` and tags name the tool so people (and our own loop guard) see who changed what. */
export const TOOL_NAME = 'imds-guard';
export const SOURCE_LC_TAG = 'imds-guard:source-launch-configuration';
export const MANAGED_TAG = 'imds-guard:managed';
