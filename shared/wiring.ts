/**
 * The composition root: real adapters for one account and region, wired into
 * the pipeline's dependencies. Entry points and the CLI build their pipeline here.
 */
import { createRemediator } from './act/index.js';
import type { Clients } from './aws/clients.js';
import { createImageSupport } from './aws/images.js';
import { createUsageSource } from './aws/usage.js';
import { evaluate } from './evaluate.js';
import { createLoader } from './load.js';
import type { PipelineDeps } from './pipeline.js';
import type { Policy } from './policy.js';
import { withControlFindings } from './sinks/annotate-control-findings.js';
import { createSecurityHubSink } from './sinks/securityhub.js';

export interface WiringOptions {
  account: string;
  region: string;
  policy: Policy;
  /** Publish findings to Security Hub (off for the Config rule and the CLI). */
  findings: boolean;
  /**
   * Build plans and run the remediator. Off in `detect` mode, where nothing
   * but findings is written, unless a person asks (custom action, CLI fix).
   */
  remediation: boolean;
  /** Who acts, for finding notes. */
  actor: string;
}

export function pipelineDeps(clients: Clients, options: WiringOptions): PipelineDeps {
  const scope = { account: options.account, region: options.region };
  const loader = createLoader(clients, { account: options.account });
  return {
    policy: options.policy,
    loader,
    usage: createUsageSource(clients.cloudWatch),
    images: createImageSupport(clients.ec2),
    // IMDS_GUARD_FINDINGS: beside, or onto, Security Hub's own control findings.
    findings: options.findings
      ? withControlFindings(createSecurityHubSink(clients.securityHub, scope), clients.securityHub, { ...scope, mode: options.policy.findings })
      : undefined,
    remediator: options.remediation
      ? createRemediator({ clients, policy: options.policy, account: options.account, loader, evaluate, actor: options.actor })
      : undefined,
  };
}
