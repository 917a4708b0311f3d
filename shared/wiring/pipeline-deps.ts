/**
 * The composition root: real adapters for one account and region, wired into
 * the pipeline's dependencies. Entry points and the CLI build their pipeline here.
 */
import type { Clients } from '../aws/clients.js';
import { engineDeps, type EngineOptions } from './engine-deps.js';
import type { Publisher } from '../findings/fingerprint.js';
import type { PipelineDeps } from '../engine/pipeline.js';
import type { Policy } from '../policy.js';
import type { Scope } from '../model.js';
import { withControlFindings } from '../sinks/annotate-control-findings.js';
import { createSecurityHubSink } from '../sinks/securityhub.js';
import { createWaveMembers } from './wave-members.js';
import { createSuppressedLookup } from '../findings/suppressed.js';
import type { EnforcementStore } from '../watch/account/record.js';

export interface WiringOptions extends EngineOptions {
  /** Publish findings to Security Hub (off for the Config rule and the CLI). */
  findings: boolean;
  /** Which function publishes (stamped into findings; the sweep reads back only what others published). Default `event`. */
  publisher?: Publisher;
}

/**
 * The pipeline of a function that runs on its own (events, sweep): findings
 * published, remediation unless the mode is detect, and an actor naming the
 * mode and what triggered the run.
 */
export function automaticDeps(clients: Clients, scope: Scope, policy: Policy, trigger: string, publisher?: Publisher, enforcement?: EnforcementStore): PipelineDeps {
  return pipelineDeps(clients, {
    ...scope,
    policy,
    findings: true,
    remediation: policy.mode !== 'detect',
    actor: `imds-guard (${policy.mode} mode, ${trigger})`,
    ...(publisher ? { publisher } : {}),
    ...(enforcement ? { enforcement } : {}),
  });
}

export function pipelineDeps(clients: Clients, options: WiringOptions): PipelineDeps {
  const scope = { account: options.account, region: options.region };
  return {
    ...engineDeps(clients, options),
    // IMDS_GUARD_FINDINGS: beside, or onto, Security Hub's own control findings.
    findings: options.findings
      ? withControlFindings(
          createSecurityHubSink(clients.securityHub, { ...scope, publisher: options.publisher ?? 'event' }),
          clients.securityHub,
          { ...scope, mode: options.policy.findings },
        )
      : undefined,
    // Asked only when a plan is about to execute (shared/engine/safety.ts).
    ...(options.remediation
      ? { waveMembers: createWaveMembers(clients.ec2), ...(options.findings ? { suppressed: createSuppressedLookup(clients.securityHub) } : {}) }
      : {}),
  };
}
