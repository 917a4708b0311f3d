/**
 * One sweep in its own process (spawned by bench/sweep.ts and bench/memory.ts),
 * so the fake endpoint's own work and memory are not counted: the real
 * wiring of functions/sweep.ts against AWS_ENDPOINT_URL. Prints one JSON line.
 */
import './env.js';
import { createClients } from '../shared/aws/clients.js';
import { createInventory } from '../shared/inventory.js';
import { DEFAULT_POLICY } from '../shared/policy.js';
import { createSecurityHubFindingIndex } from '../shared/sinks/securityhub.js';
import { sweep } from '../shared/sweep.js';
import { pipelineDeps } from '../shared/wiring.js';

const scope = { account: process.env.BENCH_ACCOUNT ?? '111122223333', region: process.env.AWS_REGION ?? 'us-east-1' };
const clients = createClients(scope.region);
const deps = pipelineDeps(clients, { ...scope, policy: DEFAULT_POLICY, findings: true, remediation: false, actor: 'bench' });
const started = performance.now();
const summary = await sweep({
  inventory: createInventory(clients, scope),
  deps,
  activeFindings: createSecurityHubFindingIndex(clients.securityHub, scope),
});
const wallMs = performance.now() - started;
const usage = process.resourceUsage();
process.stdout.write(`${JSON.stringify({ wallMs, summary, maxRssKiB: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 })}\n`);
for (const client of Object.values(clients)) if (typeof client === 'object') client.destroy();
