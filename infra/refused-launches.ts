/**
 * The watch after graduation in the member stack, kept in one place: its
 * EventBridge rule (launches refused by IMDSv2 enforcement and Auto Scaling
 * launch failures → the watch function; the pattern comes from
 * shared/watch/account/launches.ts) and what the functions that read or
 * write the enforcement record need (the state bucket's name and its
 * object). infra/stack.ts adds them.
 */
import { ENFORCEMENT_STATE_PERMISSIONS } from '../shared/watch/account/store.js';
import { refusedLaunchPattern } from '../shared/watch/account/launches.js';
import type { RuleSpec, Statement, Value } from './model.js';

/** Delivered to the watch function directly (not through the evaluation's queue). */
export const REFUSED_LAUNCH_RULE: RuleSpec = { id: 'RefusedLaunches', description: 'imds-guard: refused launches → watch', target: 'watch', pattern: refusedLaunchPattern() };

/** The environment of a function that reads or writes the enforcement record: the stack's own state bucket. */
export const ENFORCEMENT_RECORD_ENV: Record<string, Value> = { IMDS_GUARD_STATE_BUCKET: { sub: '${StateBucket}' } };

/**
 * The state bucket's objects under imds-guard/state/ (the sweep's finding
 * state and the enforcement record): the same statements in every role that
 * has them, so the template declares them once (StatePolicy).
 */
export const STATE_STATEMENTS: Statement[] = ENFORCEMENT_STATE_PERMISSIONS.map((s) => ({ ...s, shared: 'StatePolicy' }));
