/**
 * AWS Config sink: the custom rule's evaluations (PutEvaluations), 100 per
 * call, with the failed ones retried and the rest reported, never dropped.
 *
 * Resource types and ids echo what Config uses:
 * - AWS::EC2::Instance → instance id; AWS::EC2::LaunchTemplate → lt- id;
 * - AWS::AutoScaling::LaunchConfiguration → the launch configuration name
 *   (or the resourceId Config sent in the invocation, when the caller has it);
 * - account defaults → `AWS::::Account` with the account id, the resource type
 *   Config custom rules use for account-level results (the awslabs
 *   aws-config-rules periodic rules report it this way).
 * Annotation ≤ 256 characters, OrderingTimestamp as given.
 */
import {
  paginateGetComplianceDetailsByConfigRule,
  PutEvaluationsCommand,
  type ComplianceType,
  type ConfigServiceClient,
  type Evaluation,
} from '@aws-sdk/client-config-service';
import { errorFields, logger } from '../observability/log.js';
import { chunk } from '../aws/batch.js';
import { describeKind } from '../kinds/registry.js';
import type { Verdict } from '../verdict.js';
import type { PublishResult } from '../engine/ports.js';
import { type BatchCall, retrier, type RetryOptions, sendWithRetries } from './retry.js';
import type { PermissionStatement } from '../kinds/edge-types.js';

/** IAM for putting evaluations and reading what Config holds (neither has resource-level permissions). */
export const CONFIG_PERMISSIONS: PermissionStatement = {
  sid: 'ReportToConfig',
  actions: ['config:PutEvaluations', 'config:GetComplianceDetailsByConfigRule'],
  resources: ['*'],
  reason: 'config:PutEvaluations accepts no resource ARN; the rule is read by name.',
};

export const MAX_EVALUATIONS_PER_CALL = 100;

type Client = Pick<ConfigServiceClient, 'send'>;
export const ANNOTATION_MAX = 256;

export interface EvaluationItem {
  verdict: Verdict;
  /** When the judged configuration was recorded (Config's notificationCreationTime / captureTime). */
  orderingTimestamp: Date | string;
  /** Config's own resource id from the invocation, echoed back when known. */
  resourceId?: string;
  /** Config's own resource type from the invocation, echoed back when known. */
  resourceType?: string;
}

export interface PutEvaluationsOptions extends RetryOptions {
  /**
   * What Config already holds for the rule (readConfigHeld): only
   * evaluations that differ from it or are missing are put. The periodic run
   * passes it; change-triggered runs put their evaluation always.
   */
  held?: ReadonlyMap<string, HeldEvaluation>;
}

/** One result Config holds for the rule. */
export interface HeldEvaluation {
  complianceType: string;
  annotation?: string;
}

/** `type/id`, the key evaluations and held results are matched on. */
export function evaluationKey(type: string | undefined, id: string | undefined): string {
  return `${type}/${id}`;
}

/**
 * The evaluations to put: those whose compliance or annotation differs from
 * what Config holds, or that Config does not hold at all. Pure.
 */
export function diffAgainstConfig(evaluations: readonly Evaluation[], held: ReadonlyMap<string, HeldEvaluation>): Evaluation[] {
  return evaluations.filter((e) => {
    const h = held.get(evaluationKey(e.ComplianceResourceType, e.ComplianceResourceId));
    return !h || h.complianceType !== e.ComplianceType || (h.annotation ?? '') !== (e.Annotation ?? '');
  });
}

/**
 * What Config holds for the rule, from GetComplianceDetailsByConfigRule (not
 * billed; 100 results a page, with the SDK paginator). `undefined` when it
 * cannot be read: the caller then puts every evaluation, never none.
 */
export async function readConfigHeld(client: Client, configRuleName: string): Promise<Map<string, HeldEvaluation> | undefined> {
  const held = new Map<string, HeldEvaluation>();
  try {
    const pages = paginateGetComplianceDetailsByConfigRule(
      { client: client as ConfigServiceClient, pageSize: 100 },
      { ConfigRuleName: configRuleName, ComplianceTypes: ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE'], Limit: 100 },
    );
    for await (const page of pages) {
      for (const r of page.EvaluationResults ?? []) {
        const q = r.EvaluationResultIdentifier?.EvaluationResultQualifier;
        if (!q?.ResourceType || !q.ResourceId || !r.ComplianceType) continue;
        held.set(evaluationKey(q.ResourceType, q.ResourceId), { complianceType: r.ComplianceType, ...(r.Annotation ? { annotation: r.Annotation } : {}) });
      }
    }
  } catch (error) {
    logger.warn('could not read what AWS Config holds for the rule; putting every evaluation', { configRuleName, ...errorFields(error) });
    return undefined;
  }
  return held;
}

/** Errors after which no call with this result token can succeed. */
const FATAL_CODES = new Set(['InvalidResultTokenException', 'AccessDeniedException', 'NoSuchConfigRuleException']);

/** Cuts to `max` UTF-16 units without splitting a surrogate pair; never empty. */
export function truncateAnnotation(text: string, max = ANNOTATION_MAX): string {
  const clean = text.replace(/\s+/g, ' ').trim() || 'no details';
  if (clean.length <= max) return clean;
  let end = max - 1;
  const code = clean.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return clean.slice(0, end) + '…';
}

/** The checks that decided the verdict, with their controls, as one line. */
export function annotationFor(verdict: Verdict): string {
  const deciding = verdict.checks.filter((c) => c.compliance === verdict.compliance);
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const c of deciding.length > 0 ? deciding : verdict.checks) {
    if (seen.has(c.reason)) continue; // both checks often share one reason (exempt, gone)
    seen.add(c.reason);
    parts.push(`[${c.control}] ${c.reason}`);
  }
  return truncateAnnotation(parts.join(' | ') || verdict.compliance);
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

export function toEvaluation(item: EvaluationItem): Evaluation {
  const ref = item.verdict.ref;
  return {
    ComplianceResourceType: item.resourceType ?? describeKind(ref.kind).config.type,
    ComplianceResourceId: item.resourceId ?? describeKind(ref.kind).configResourceId?.(ref) ?? ref.id,
    ComplianceType: item.verdict.compliance as ComplianceType,
    Annotation: annotationFor(item.verdict),
    OrderingTimestamp: toDate(item.orderingTimestamp),
  };
}

function keyOf(e: Pick<Evaluation, 'ComplianceResourceType' | 'ComplianceResourceId'>): string {
  return evaluationKey(e.ComplianceResourceType, e.ComplianceResourceId);
}

/** Sends the evaluations for one rule invocation; returns what could not be delivered. */
export async function putEvaluations(
  client: Client,
  resultToken: string,
  items: readonly EvaluationItem[],
  options: PutEvaluationsOptions = {},
): Promise<PublishResult & { unchanged?: number }> {
  const result: PublishResult & { unchanged?: number } = { published: 0, failed: [] };
  const retry = retrier(options);

  // One evaluation per resource: the last item for a resource wins.
  const byKey = new Map<string, Evaluation>();
  for (const item of items) {
    const evaluation = toEvaluation(item);
    if (Number.isNaN((evaluation.OrderingTimestamp as Date).getTime())) {
      result.failed.push({ id: keyOf(evaluation), error: `invalid OrderingTimestamp ${JSON.stringify(String(item.orderingTimestamp))}` });
      continue;
    }
    byKey.delete(keyOf(evaluation));
    byKey.set(keyOf(evaluation), evaluation);
  }

  const putCall: BatchCall<Evaluation> = {
    what: 'PutEvaluations',
    retry,
    idOf: keyOf,
    send: async (pending) => {
      const response = await client.send(new PutEvaluationsCommand({ ResultToken: resultToken, Evaluations: pending }));
      const failed = new Set((response.FailedEvaluations ?? []).map(keyOf));
      // Config names the evaluations it refused but not why: each is worth another try.
      return pending
        .filter((e) => failed.has(keyOf(e)))
        .map((e) => ({ id: keyOf(e), item: e, error: 'FailedEvaluations: rejected by PutEvaluations', retryable: true }));
    },
    fatal: (code, message) => {
      if (code === undefined || !FATAL_CODES.has(code)) return undefined;
      logger.error('PutEvaluations cannot succeed with this result token', { errorName: code, errorMessage: message });
      return message;
    },
    stopped: {},
  };
  let evaluations = [...byKey.values()];
  if (options.held) {
    const changed = diffAgainstConfig(evaluations, options.held);
    result.unchanged = evaluations.length - changed.length;
    evaluations = changed;
  }
  for (const batch of chunk(evaluations, MAX_EVALUATIONS_PER_CALL)) await sendWithRetries(putCall, batch, result);
  if (result.failed.length > 0) {
    logger.warn('AWS Config evaluations not delivered', { published: result.published, failedCount: result.failed.length, failed: result.failed.slice(0, 20) });
  }
  return result;
}
