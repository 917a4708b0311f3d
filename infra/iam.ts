/**
 * IAM assembly: which statements each function's role gets. The statements
 * come from the modules that make the calls (the kinds' edges and remedies,
 * the usage and image look-ups, the sinks, the watch), the way Cloud
 * Custodian actions declare their permissions; this module only groups them
 * by capability and adds what every role needs to run.
 * test/infra/permissions.test.ts proves that each role grants exactly the SDK
 * commands its bundle can send.
 */
import { IMAGE_PERMISSIONS } from '../shared/wiring/images.js';
import { USAGE_PERMISSIONS } from '../shared/wiring/usage.js';
import type { PermissionStatement } from '../shared/kinds/edge-types.js';
import { DESCRIBE_REASON } from '../shared/kinds/permissions.js';
import { allKinds } from '../shared/kinds/registry.js';
import { REMEDIES } from '../shared/kinds/remedies.js';
import { CONTROL_FINDINGS_PERMISSIONS } from '../shared/sinks/annotate-control-findings.js';
import { CONFIG_PERMISSIONS } from '../shared/sinks/config.js';
import { SUPPRESSED_PERMISSIONS } from '../shared/findings/suppressed.js';
import { FINDING_INDEX_PERMISSIONS, FINDINGS_PERMISSIONS } from '../shared/sinks/securityhub.js';
import type { Statement } from './model.js';
import { PREFLIGHT_PERMISSIONS } from '../shared/aws/preflight.js';

export type Capability = 'describe' | 'list' | 'usage' | 'images' | 'findings' | 'control-findings' | 'finding-index' | 'suppressed' | 'config' | 'act';

const statementsOf: Record<Capability, () => PermissionStatement[]> = {
  describe: () => [{ sid: 'DescribeResources', actions: unique(allKinds().flatMap((k) => k.edge.permissions.describe)), resources: ['*'], reason: DESCRIBE_REASON }],
  list: () => [{ sid: 'ListResources', actions: unique(allKinds().flatMap((k) => k.edge.permissions.list)), resources: ['*'], reason: DESCRIBE_REASON }],
  usage: () => [USAGE_PERMISSIONS],
  images: () => [IMAGE_PERMISSIONS],
  findings: () => FINDINGS_PERMISSIONS,
  // IMDS_GUARD_FINDINGS=annotate|both: Security Hub's own control findings are looked up beside ours.
  'control-findings': () => [CONTROL_FINDINGS_PERMISSIONS],
  'finding-index': () => [FINDING_INDEX_PERMISSIONS],
  // SUPPRESSED findings are read before a change (shared/engine/safety.ts).
  suppressed: () => [SUPPRESSED_PERMISSIONS],
  config: () => [CONFIG_PERMISSIONS],
  act: () => mergeBySid(Object.values(REMEDIES).flatMap((r) => r.permissions)),
};

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** One statement per sid: kinds share some (finding the Auto Scaling groups that use a template). */
function mergeBySid(statements: readonly PermissionStatement[]): PermissionStatement[] {
  const bySid = new Map<string, PermissionStatement>();
  for (const s of statements) {
    const seen = bySid.get(s.sid);
    if (seen === undefined) bySid.set(s.sid, s);
    else if (JSON.stringify(seen) !== JSON.stringify(s)) {
      bySid.set(s.sid, { ...seen, actions: unique([...seen.actions, ...s.actions]) });
      if (JSON.stringify(seen.resources) !== JSON.stringify(s.resources) || JSON.stringify(seen.condition) !== JSON.stringify(s.condition)) {
        throw new Error(`IAM statement ${s.sid} is declared twice with different resources or conditions`);
      }
    }
  }
  return [...bySid.values()];
}

/** Security Hub calls on this account's hub: the same statements in every function that publishes findings (one managed policy in the template). */
const FINDINGS_CAPABILITIES: ReadonlySet<Capability> = new Set(['findings', 'control-findings', 'finding-index', 'suppressed']);

/** The statements of a function's capabilities; `act` only when `actWhen` holds for the automatic functions. */
export function permissionsFor(capabilities: readonly Capability[], actWhen?: 'RemediationAllowed'): Statement[] {
  return capabilities.flatMap((c) =>
    statementsOf[c]().map((s): Statement => {
      if (c === 'act') return { ...s, shared: 'RemediationPolicy', ...(actWhen ? { when: actWhen } : {}) };
      return FINDINGS_CAPABILITIES.has(c) ? { ...s, shared: 'FindingsPolicy' } : s;
    }),
  );
}

/**
 * Reading the event queue (the Lambda event source mapping polls it with the
 * function's role) — kept apart from the IAM the kinds' edges derive.
 */
export const QUEUE_CONSUMER: Statement[] = [
  { sid: 'ConsumeEventQueue', actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resources: ['${EventQueue.Arn}'] },
];

/**
 * A role's statements as deployed: grouped by condition (`when`, in order of
 * first appearance) and, within a group, statements with the same resources
 * and IAM condition merged into one (actions united, first sid kept, reasons
 * joined). Same grants in fewer statements; both renderers deploy this form.
 */
export function compactStatements(statements: readonly Statement[]): Statement[] {
  const groups = new Map<string, Map<string, Statement>>();
  for (const s of statements) {
    // A shared managed policy's statements are merged only among themselves (the template declares them once).
    const groupKey = `${s.when ?? ''}|${s.shared ?? ''}`;
    const group = groups.get(groupKey) ?? new Map<string, Statement>();
    groups.set(groupKey, group);
    const key = JSON.stringify([s.resources, s.condition ?? null]);
    const seen = group.get(key);
    group.set(key, seen ? merge(seen, s) : { ...s, actions: [...new Set(s.actions)] });
  }
  return [...groups.values()].flatMap((g) => [...g.values()]);
}

function merge(a: Statement, b: Statement): Statement {
  const reasons = [...new Set([a.reason, b.reason].filter((r): r is string => Boolean(r)))];
  const out: Statement = { ...a, actions: [...new Set([...a.actions, ...b.actions])] };
  if (reasons.length) out.reason = reasons.join(' ');
  return out;
}

/**
 * X-Ray active tracing: Lambda sends the segments with the function's role.
 * Granted only where tracing is switched on (`TracingEnabled`): in the
 * member template one managed policy that exists only then, which every role
 * attaches under the same condition.
 */
export const TRACING_STATEMENT: Statement = {
  sid: 'WriteTraces',
  actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  resources: ['*'],
  when: 'TracingEnabled',
  shared: 'TracingPolicy',
  reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords accept no resource ARN; granted only with Tracing=true.',
};

/**
 * What every role (member functions and the hub's) needs to run: its own
 * logs, the DLQ for failed asynchronous events, and traces when tracing is on.
 */
export function runtimeStatements(id: string): Statement[] {
  return [
    { sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`\${${id}LogGroup.Arn}`] },
    { sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: ['${DeadLetterQueue.Arn}'] },
    TRACING_STATEMENT,
  ];
}

/**
 * What the custom action does to resources, wherever it runs: the action
 * function's own statements (with its findings) and the member role the hub
 * assumes (without: the hub writes its notes itself, the member's pipeline
 * imports its findings).
 */
export const ACTION_READS = ['describe', 'usage', 'images'] as const satisfies readonly Capability[];

/**
 * What the member role grants: the action function's needs, and the reads of
 * `doctor` (shared/aws/preflight.ts), so `doctor --org` can check member accounts.
 */
export function memberRoleNeeds(): { read: Statement[]; write: Statement[] } {
  const action = actionFunctionNeeds();
  const doctor = Object.values(PREFLIGHT_PERMISSIONS).map((s): Statement => ({ sid: s.sid, actions: [...s.actions], resources: [...s.resources], reason: s.reason }));
  return { read: [...action.read, ...doctor], write: action.write };
}

/** The action function's resource statements, reads and writes apart: the member role grants the same (infra/member-role.ts). */
export function actionFunctionNeeds(): { read: Statement[]; write: Statement[] } {
  return { read: permissionsFor(ACTION_READS), write: permissionsFor(['act']).map(({ shared: _, ...s }) => s) };
}
