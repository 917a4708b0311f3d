/**
 * The engine's dependencies without a findings sink: load, measure IMDSv1
 * use, judge and (optionally) remediate in one account and region. The hub's
 * custom action runs it with a member role's credentials, where imds-guard
 * imports nothing (the member's own pipeline refreshes its findings); keeping
 * it apart from shared/wiring/pipeline-deps.ts keeps the Security Hub sink out of that
 * bundle, so the hub's role is granted only what the hub sends.
 */
import { createRemediator } from '../act/index.js';
import type { Clients } from '../aws/clients.js';
import { createImageSupport } from './images.js';
import { createUsageSource } from './usage.js';
import { evaluate } from '../engine/evaluate.js';
import { createLoader } from './load.js';
import type { PipelineDeps } from '../engine/pipeline.js';
import type { Policy } from '../policy.js';
import type { Scope } from '../model.js';
import type { EnforcementStore } from '../watch/account/record.js';

export interface EngineOptions extends Scope {
  policy: Policy;
  /**
   * Build plans and run the remediator. Off in `detect` mode, where nothing
   * but findings is written, unless a person asks (custom action, CLI fix).
   */
  remediation: boolean;
  /** Who acts, for finding notes. */
  actor: string;
  /** The enforcement record's store (shared/watch/account/store.ts), where the function has the state bucket. */
  enforcement?: EnforcementStore;
}

export function engineDeps(clients: Clients, options: EngineOptions): Omit<PipelineDeps, 'findings'> {
  const enforcement = options.enforcement ? { enforcement: options.enforcement } : {};
  const loader = createLoader(clients, { account: options.account, ...enforcement });
  return {
    policy: options.policy,
    loader,
    usage: createUsageSource(clients.cloudWatch),
    images: createImageSupport(clients.ec2),
    remediator: options.remediation
      ? createRemediator({ clients, policy: options.policy, account: options.account, loader, evaluate, actor: options.actor, ...enforcement })
      : undefined,
  };
}
