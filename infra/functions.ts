/**
 * The functions of the member stack: what each runs, its size and
 * concurrency, its environment and its role's statements (infra/iam.ts).
 */
import { SETTINGS, type Policy } from '../shared/policy.js';
import { WATCH_READ_PERMISSIONS, WATCH_WRITE_PERMISSIONS } from '../shared/watch/permissions.js';
import { SWITCH_OFF_PERMISSIONS } from '../shared/watch/account/switch-off.js';
import { ACTION_READS, permissionsFor, QUEUE_CONSUMER, runtimeStatements } from './iam.js';
import type { FunctionName, FunctionSpec, Statement, Value } from './model.js';
import { APP_NAME } from './names.js';
import { RUNTIME_SETTINGS, SETTING_PARAMETERS } from './parameters.js';
import { ENFORCEMENT_RECORD_ENV, STATE_STATEMENTS } from './refused-launches.js';

/** Every function in the order they are rendered; names match `functions/<name>.ts`. */
export const FUNCTION_NAMES: readonly FunctionName[] = ['events', 'config-rule', 'sweep', 'action', 'watch'];

/**
 * The environment every function gets: the `SETTINGS` of shared/policy.ts
 * and the runtime settings (log level, request timeout, tracing), each from
 * its parameter; the rest is fixed on purpose (docs/settings.md says why).
 */
export function settingsEnvironment(): Record<string, Value> {
  const env: Record<string, Value> = {};
  for (const key of Object.keys(SETTINGS) as (keyof Policy)[]) env[SETTINGS[key]] = { param: SETTING_PARAMETERS[key] };
  for (const [name, param] of Object.entries(RUNTIME_SETTINGS)) env[name] = { param };
  env.POWERTOOLS_SERVICE_NAME = APP_NAME;
  env.NODE_OPTIONS = '--enable-source-maps';
  return env;
}

function fn(
  spec: Omit<FunctionSpec, 'environment' | 'asyncRetries' | 'maxEventAgeSeconds' | 'statements'> & { statements: Statement[]; environment?: Record<string, Value> },
): FunctionSpec {
  return {
    asyncRetries: 2,
    maxEventAgeSeconds: 6 * 3600,
    ...spec,
    environment: { ...settingsEnvironment(), ...spec.environment },
    statements: [...runtimeStatements(spec.id), ...spec.statements],
  };
}

export const FUNCTIONS: readonly FunctionSpec[] = [
  fn({
    name: 'events',
    id: 'Events',
    description: 'imds-guard: CloudTrail calls and EC2 state changes → evaluate, report, remediate',
    memoryMb: 512,
    timeoutSeconds: 120,
    reservedConcurrency: 10,
    environment: ENFORCEMENT_RECORD_ENV,
    statements: [
      ...permissionsFor(['describe', 'usage', 'images', 'findings', 'control-findings', 'suppressed', 'act'], 'RemediationAllowed'),
      ...QUEUE_CONSUMER,
      ...STATE_STATEMENTS,
    ],
  }),
  fn({
    name: 'config-rule',
    id: 'ConfigRule',
    description: 'imds-guard: AWS Config custom rule (change-triggered and periodic)',
    memoryMb: 512,
    timeoutSeconds: 300,
    reservedConcurrency: 5,
    statements: permissionsFor(['describe', 'list', 'config']),
    when: 'ConfigRuleEnabled',
  }),
  fn({
    name: 'sweep',
    id: 'Sweep',
    description: 'imds-guard: scheduled full reconcile of the region',
    memoryMb: 1024,
    timeoutSeconds: 900,
    reservedConcurrency: 1,
    // The bucket is the stack's own (no setting); the refresh age is a parameter.
    environment: { IMDS_GUARD_STATE_BUCKET: { sub: '${StateBucket}' }, IMDS_GUARD_FINDING_REFRESH_DAYS: { param: 'FindingRefreshDays' } },
    // 'finding-index' grants GetFindings on the hub, which the control-findings look-up needs too (one statement).
    statements: [...permissionsFor(['describe', 'list', 'usage', 'images', 'findings', 'finding-index', 'act'], 'RemediationAllowed'), ...STATE_STATEMENTS],
  }),
  fn({
    name: 'action',
    id: 'Action',
    description: 'imds-guard: Security Hub custom action "Enforce IMDSv2"',
    memoryMb: 512,
    timeoutSeconds: 300,
    reservedConcurrency: 2,
    environment: ENFORCEMENT_RECORD_ENV,
    // A person asked for the fix: write permissions whenever the function exists.
    statements: [...permissionsFor([...ACTION_READS, 'findings', 'control-findings', 'suppressed', 'act']), ...STATE_STATEMENTS],
    when: 'SecurityHubActionEnabled',
  }),
  // The watch: the guard window of switched instances and of graduated account-regions, and their rollback.
  fn({
    name: 'watch',
    id: 'Watch',
    description: 'imds-guard: watch switched instances and graduated account-regions, and roll back',
    memoryMb: 256,
    timeoutSeconds: 300,
    // One at a time: the enforcement record is read, changed and written without a lock.
    reservedConcurrency: 1,
    environment: ENFORCEMENT_RECORD_ENV,
    // Reads under every mode (a watch in detect mode only reports); the writes only when remediation is allowed.
    statements: [
      ...WATCH_READ_PERMISSIONS,
      ...WATCH_WRITE_PERMISSIONS.map((st): Statement => ({ ...st, when: 'RemediationAllowed' })),
      ...STATE_STATEMENTS,
      { ...SWITCH_OFF_PERMISSIONS, when: 'RemediationAllowed' },
    ],
  }),
];
