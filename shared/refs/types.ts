/**
 * The result of turning one input event into resource references. Every
 * entry-point parser (CloudTrail, state change, Config, and later Security
 * Hub custom actions) returns this shape; parse.ts dispatches between them.
 */
import type { ResourceKind, ResourceRef, Scope } from '../model.js';


export type EventOrigin = 'cloudtrail' | 'state-change' | 'config' | 'security-hub';

/** Who made a CloudTrail call; remediation uses it to recognise its own changes. */
export interface Actor {
  /** `userIdentity.arn` (for a role session: `arn:aws:sts::…:assumed-role/<role>/<session>`). */
  arn?: string;
  /** `userIdentity.sessionContext.sessionIssuer.arn` (the role's IAM ARN). */
  issuerArn?: string;
  /** `userIdentity.type`: IAMUser, AssumedRole, AWSService, Root, … */
  type?: string;
  /** `userIdentity.invokedBy`, e.g. `autoscaling.amazonaws.com` when Auto Scaling acted for the customer. */
  invokedBy?: string;
}

/** An identifier found in the event but refused by validation. */
export interface RejectedId {
  kind: ResourceKind;
  value: string;
  reason: string;
}

/** One Config resource in a Config rule invocation. */
export interface ConfigItem {
  /** Our reference; `id` follows our convention (instance id, lt- id, launch configuration name). */
  ref: ResourceRef;
  /** Config's own resource type and id, which PutEvaluations must echo back. */
  resourceType: string;
  resourceId: string;
  /** Deleted or out of the rule's scope: evaluate NOT_APPLICABLE without describing. */
  deleted: boolean;
  /** OrderingTimestamp for PutEvaluations (ISO 8601, as Config sent it). */
  orderingTimestamp: string;
}

export type ConfigMessageType =
  | 'ConfigurationItemChangeNotification'
  | 'OversizedConfigurationItemChangeNotification'
  | 'ScheduledNotification';

export interface ConfigInvocation {
  messageType: ConfigMessageType;
  resultToken: string;
  configRuleName?: string;
  configRuleArn?: string;
  executionRoleArn?: string;
  /** Parsed `ruleParameters`; `{}` when absent or empty. */
  ruleParameters: Record<string, unknown>;
  eventLeftScope: boolean;
  /** ScheduledNotification: no item, evaluate every resource of the account and region. */
  evaluateAll: boolean;
  /** The notification's own time (capture time, or notificationCreationTime when scheduled). */
  orderingTimestamp: string;
  /** Every resource the invocation is about, deleted ones included. */
  items: ConfigItem[];
}

export interface ParseOk {
  ok: true;
  source: EventOrigin;
  /** Distinct refs to describe (never deleted Config items). May be empty for a scheduled Config run. */
  refs: ResourceRef[];
  /** Ids present but invalid (kept out of refs), with why. */
  rejected: RejectedId[];
  eventName?: string;
  actor?: Actor;
  config?: ConfigInvocation;
}

export interface ParseNotOk {
  ok: false;
  /** True for legitimate events skipped on purpose (failed call, non-running state); false for malformed or foreign input. */
  ignored: boolean;
  reason: string;
  source?: EventOrigin;
  eventName?: string;
  actor?: Actor;
}

export type ParseResult = ParseOk | ParseNotOk;

/** One entry-point event format. Adding a format is adding a module that exports one of these. */
export interface EventParser {
  source: EventOrigin;
  /** Cheap check on the envelope: is this event of my format? */
  matches(event: Record<string, unknown>): boolean;
  parse(event: Record<string, unknown>, own: Scope): ParseResult;
}
