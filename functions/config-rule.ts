/**
 * AWS Config custom Lambda rule: Config invocation → refs → pipeline →
 * PutEvaluations with the invocation's ResultToken.
 *
 * Change notifications evaluate the one resource (deleted ones are
 * NOT_APPLICABLE without a describe); a scheduled notification evaluates
 * every resource of every kind in the region (shared/kinds/registry.ts).
 * Security Hub findings come from the events and sweep functions; this one
 * writes only the Config record (see docs/findings.md, "Config and Security
 * Hub without duplicates").
 *
 * On the periodic run a kind that cannot be listed is logged, counted and
 * named in the result (`partial`); the other kinds are still evaluated, and
 * Config keeps that kind's last evaluations. The run fails when no kind could
 * be read.
 */
import type { Context } from 'aws-lambda';
import { createClients } from '../shared/aws/clients.js';
import { lambdaHandler } from '../shared/lambda/handler.js';
import { traced } from '../shared/lambda/trace.js';
import { createInventory } from '../shared/wiring/inventory.js';
import { KIND_NAMES } from '../shared/kinds/registry.js';
import { lambdaScope } from '../shared/lambda/context.js';
import { createLoader } from '../shared/wiring/load.js';
import { errorFields, logger } from '../shared/observability/log.js';
import { refKey, type Scope } from '../shared/model.js';
import type { Subject } from '../shared/kinds/subject.js';
import { type PipelineDeps, processSubjects } from '../shared/engine/pipeline.js';
import { loadPolicy } from '../shared/policy.js';
import type { PublishResult } from '../shared/engine/ports.js';
import { type ConfigInvocation, parseEvent } from '../shared/refs/parse.js';
import { failIfUnpublished } from '../shared/engine/unpublished.js';
import { failIfNothingRead, readKind, type UnreadKind } from '../shared/engine/unread.js';
import { collectDegradations } from '../shared/observability/degraded.js';
import type { HandlerResult } from '../shared/lambda/results.js';
import { type EvaluationItem, putEvaluations, readConfigHeld } from '../shared/sinks/config.js';

const policy = loadPolicy();
const clients = traced(createClients(process.env.AWS_REGION ?? 'us-east-1'));

/** Logger context, metrics flush (shared/lambda/handler.ts). */
export const handler = lambdaHandler(handle);

async function handle(event: unknown, context: Context): Promise<HandlerResult> {
  const scope = lambdaScope(context);
  const parsed = parseEvent(event, scope);
  if (!parsed.ok || !parsed.config) {
    const reason = parsed.ok ? `not a Config rule invocation (${parsed.source})` : parsed.reason;
    logger.error('config invocation rejected', { reason });
    return { status: 'rejected', reason };
  }
  const invocation = parsed.config;
  const deps: PipelineDeps = { policy, loader: createLoader(clients, { account: scope.account }) };
  try {
    if (invocation.evaluateAll) {
      const { result, degraded } = await collectDegradations(() => evaluateEverything(invocation, deps, scope));
      failIfUnpublished(result.total);
      const evaluated = result.total.published + result.total.failed.length;
      return {
        status: result.unread.length > 0 ? 'partial' : 'done',
        evaluated,
        ...(result.unread.length > 0 ? { unread: result.unread } : {}),
        ...(degraded.length > 0 ? { degraded } : {}),
      };
    }
    const result = await putEvaluations(clients.config, invocation.resultToken, await evaluateItems(invocation, deps));
    failIfUnpublished(result);
    return { status: 'done', evaluated: result.published + result.failed.length };
  } catch (error) {
    logger.error('config evaluation failed', { ...errorFields(error), messageType: invocation.messageType });
    throw error;
  }
}

async function evaluateItems(invocation: ConfigInvocation, deps: PipelineDeps): Promise<EvaluationItem[]> {
  // Deleted or out-of-scope resources are not described: they are judged missing.
  const subjects: Subject[] = invocation.items.filter((i) => i.deleted).map((i) => ({ kind: 'missing', ref: i.ref }));
  const live = invocation.items.filter((i) => !i.deleted).map((i) => i.ref);
  if (live.length > 0) subjects.push(...(await deps.loader.load(live)));
  const { reports } = await processSubjects(subjects, deps);
  const byRef = new Map(invocation.items.map((i) => [refKey(i.ref), i]));
  return reports.map(({ verdict }) => {
    const item = byRef.get(refKey(verdict.ref));
    return {
      verdict,
      orderingTimestamp: item?.orderingTimestamp ?? invocation.orderingTimestamp,
      resourceId: item?.resourceId,
      resourceType: item?.resourceType,
    };
  });
}

/** Scheduled run: every resource of the region, put page by page so the estate is never held at once. */
async function evaluateEverything(
  invocation: ConfigInvocation,
  deps: PipelineDeps,
  scope: Scope,
): Promise<{ total: PublishResult; unread: UnreadKind[] }> {
  const inventory = createInventory(clients, scope);
  const total: PublishResult = { published: 0, failed: [] };
  // The periodic run is the safety net, and each evaluation put is billed: put only what Config does not already hold.
  const held = invocation.configRuleName ? await readConfigHeld(clients.config, invocation.configRuleName) : undefined;
  let unchanged = 0;
  async function put(subjects: Subject[]): Promise<void> {
    const { reports } = await processSubjects(subjects, deps);
    const items = reports.map(({ verdict }) => ({ verdict, orderingTimestamp: invocation.orderingTimestamp }));
    const result = await putEvaluations(clients.config, invocation.resultToken, items, held ? { held } : {});
    unchanged += result.unchanged ?? 0;
    total.published += result.published;
    total.failed.push(...result.failed);
  }
  const unread: UnreadKind[] = [];
  const errors: unknown[] = [];
  for (const kind of KIND_NAMES) {
    for await (const page of readKind(kind, inventory.pages(kind), unread, errors)) await put(page);
  }
  const fields = { put: total.published, failed: total.failed.length, unchanged, comparedWithConfig: held !== undefined, ...(unread.length > 0 ? { unread } : {}) };
  if (unread.length > 0) logger.warn('periodic evaluation partial: some kinds could not be read', fields);
  else logger.info('periodic evaluation done', fields);
  failIfNothingRead(unread, errors);
  return { total, unread };
}
