/**
 * AWS Config custom Lambda rule invocations → ResourceRefs plus what
 * PutEvaluations needs (ResultToken, Config's resource type and id, ordering
 * timestamps). `invokingEvent` and `ruleParameters` arrive as JSON strings.
 * Pure, never throws.
 *
 * Config's resourceId per type, mapped to our ref id convention:
 * - AWS::EC2::Instance: the instance id (`i-…`), used as is.
 * - AWS::EC2::LaunchTemplate: the `lt-…` id; if Config ever sent something
 *   else, the resourceName (template name) is used for the loader to resolve.
 * - AWS::AutoScaling::LaunchConfiguration: our id is the NAME. We take
 *   `resourceName` when present, else the name inside an ARN-shaped
 *   resourceId/ARN (`…:launchConfigurationName/<name>`), else resourceId.
 *   (No real Config item for this type was found to confirm which of these
 *   Config fills; all three are accepted.)
 */
import { str } from '../aws/translate.js';
import type { ResourceKind, Scope } from '../model.js';
import { foreign, isRecord, notOk, RefCollector } from './common.js';
import { own as prop } from './paths.js';
import type { ConfigInvocation, ConfigItem, ConfigMessageType, EventParser, ParseResult } from './types.js';
import { show } from '../validate.js';
import { allKinds, describeKind } from '../kinds/registry.js';

/** Config resource type → our kind, for the types the rule is scoped to (the account default is no Config item). */
export const KIND_OF_CONFIG_TYPE: Readonly<Record<string, ResourceKind>> = Object.freeze(
  Object.fromEntries(
    allKinds()
      .filter(({ description }) => description.config.recorded)
      .map(({ description }) => [description.config.type, description.kind]),
  ),
);

const DELETED_STATUSES = new Set(['ResourceDeleted', 'ResourceDeletedNotRecorded']);

/** Largest JSON string we parse (Lambda's synchronous payload limit is 6 MB). */
const MAX_JSON = 6 * 1024 * 1024;

function parseJson(text: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (typeof text !== 'string') return { ok: false, reason: `is not a JSON string (${typeof text})` };
  if (text.length > MAX_JSON) return { ok: false, reason: `is larger than ${MAX_JSON} characters` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: `is not valid JSON (${error instanceof Error ? error.message : 'parse error'})` };
  }
}

/** The region in a Config rule ARN (`arn:aws:config:<region>:<account>:config-rule/…`). */
function arnRegionAccount(arn: string | undefined): { region?: string; account?: string } {
  const parts = arn?.split(':') ?? [];
  return parts.length >= 6 ? { region: parts[3], account: parts[4] } : {};
}

/** Our ref id for a Config resource, as the kind reads it from the configuration item. */
export function refIdFor(kind: ResourceKind, item: Record<string, unknown>): string | undefined {
  return describeKind(kind).configRefId?.({
    resourceId: str(prop(item, 'resourceId')),
    resourceName: str(prop(item, 'resourceName')),
    arn: str(prop(item, 'ARN')),
  });
}

export function parseConfigInvocation(event: Record<string, unknown>, own: Scope): ParseResult {
  const source = 'config' as const;
  const resultToken = str(prop(event, 'resultToken'));
  if (!resultToken) return notOk(false, 'Config rule invocation has no resultToken', { source });
  const invoking = parseJson(prop(event, 'invokingEvent'));
  if (!invoking.ok) return notOk(false, `Config invokingEvent ${invoking.reason}`, { source });
  if (!isRecord(invoking.value)) return notOk(false, 'Config invokingEvent is not a JSON object', { source });
  const invokingEvent = invoking.value;

  let ruleParameters: Record<string, unknown> = {};
  const rawParameters = prop(event, 'ruleParameters');
  if (typeof rawParameters === 'string' && rawParameters.trim() !== '') {
    const parsed = parseJson(rawParameters);
    if (!parsed.ok) return notOk(false, `Config ruleParameters ${parsed.reason}`, { source });
    if (!isRecord(parsed.value)) return notOk(false, 'Config ruleParameters is not a JSON object', { source });
    ruleParameters = parsed.value;
  } else if (rawParameters !== undefined && rawParameters !== null && typeof rawParameters !== 'string') {
    return notOk(false, `Config ruleParameters must be a JSON string, got ${show(rawParameters)}`, { source });
  }

  const configRuleArn = str(prop(event, 'configRuleArn'));
  const elsewhere = foreign(own, [
    { what: 'Config rule invocation', account: prop(event, 'accountId') },
    { what: 'Config rule', ...arnRegionAccount(configRuleArn) },
  ]);
  if (elsewhere) return notOk(false, elsewhere, { source });

  const eventLeftScope = prop(event, 'eventLeftScope') === true;
  const messageType = prop(invokingEvent, 'messageType');
  const common = {
    resultToken,
    ruleParameters,
    eventLeftScope,
    ...(str(prop(event, 'configRuleName')) ? { configRuleName: str(prop(event, 'configRuleName')) } : {}),
    ...(configRuleArn ? { configRuleArn } : {}),
    ...(str(prop(event, 'executionRoleArn')) ? { executionRoleArn: str(prop(event, 'executionRoleArn')) } : {}),
  };

  if (messageType === 'ScheduledNotification') {
    const at = str(prop(invokingEvent, 'notificationCreationTime'));
    if (!at) return notOk(false, 'ScheduledNotification has no notificationCreationTime', { source });
    const elsewhereScheduled = foreign(own, [{ what: 'ScheduledNotification', account: prop(invokingEvent, 'awsAccountId') }]);
    if (elsewhereScheduled) return notOk(false, elsewhereScheduled, { source });
    const config: ConfigInvocation = { ...common, messageType, evaluateAll: true, orderingTimestamp: at, items: [] };
    return { ok: true, source, refs: [], rejected: [], config };
  }

  let item: unknown;
  let type: ConfigMessageType;
  if (messageType === 'ConfigurationItemChangeNotification') {
    item = prop(invokingEvent, 'configurationItem');
    type = messageType;
  } else if (messageType === 'OversizedConfigurationItemChangeNotification') {
    item = prop(invokingEvent, 'configurationItemSummary');
    type = messageType;
  } else {
    return notOk(false, `Config messageType ${show(messageType)} is not handled`, { source });
  }
  if (!isRecord(item)) return notOk(false, `${type} has no configuration item`, { source });

  const resourceType = str(prop(item, 'resourceType'));
  const resourceId = str(prop(item, 'resourceId'));
  const captureTime = str(prop(item, 'configurationItemCaptureTime'));
  if (!resourceType || !resourceId) return notOk(false, `${type} item has no resourceType/resourceId`, { source });
  if (!captureTime) return notOk(false, `${type} item has no configurationItemCaptureTime`, { source });
  if (!Object.hasOwn(KIND_OF_CONFIG_TYPE, resourceType)) {
    return notOk(true, `Config resource type ${show(resourceType)} is not one imds-guard evaluates`, { source });
  }
  const kind = KIND_OF_CONFIG_TYPE[resourceType] as ResourceKind;
  const itemElsewhere = foreign(own, [
    { what: 'configuration item', account: prop(item, 'awsAccountId'), region: prop(item, 'awsRegion') },
  ]);
  if (itemElsewhere) return notOk(false, itemElsewhere, { source });

  const refId = refIdFor(kind, item);
  const collector = new RefCollector(own);
  if (refId === undefined || !collector.add(kind, refId)) {
    return notOk(false, collector.rejected[0]?.reason ?? `no usable id in ${resourceType} ${show(resourceId)}`, { source });
  }
  const ref = collector.refs[0]!;
  const status = prop(item, 'configurationItemStatus');
  const deleted = eventLeftScope || (typeof status === 'string' && DELETED_STATUSES.has(status));
  const configItem: ConfigItem = { ref, resourceType, resourceId, deleted, orderingTimestamp: captureTime };
  const config: ConfigInvocation = {
    ...common,
    messageType: type,
    evaluateAll: false,
    orderingTimestamp: captureTime,
    items: [configItem],
  };
  return { ok: true, source, refs: deleted ? [] : [ref], rejected: [], config };
}

export const configInvocationParser: EventParser = {
  source: 'config',
  matches: (event) => Object.hasOwn(event, 'invokingEvent') && Object.hasOwn(event, 'resultToken'),
  parse: parseConfigInvocation,
};
