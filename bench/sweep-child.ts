/**
 * One sweep in its own process (spawned by bench/sweep.ts, bench/memory.ts and
 * bench/cost.ts), so the fake endpoint's own work and memory are not counted:
 * the real wiring of functions/sweep.ts against AWS_ENDPOINT_URL. Prints one JSON line.
 *
 * BENCH_DESIGN=previous: every finding imported every sweep (the design before
 * the change filter). Otherwise the change filter with the store the
 * environment names (IMDS_GUARD_STATE_BUCKET, else the GetFindings read-back).
 */
import './env.js';
import { createClients } from '../shared/aws/clients.js';
import { createS3Client } from '../shared/aws/s3.js';
import { createInventory } from '../shared/wiring/inventory.js';
import { DEFAULT_POLICY } from '../shared/policy.js';
import { openChangeFilter, refreshDaysFromEnv } from '../shared/sinks/published.js';
import { publishedStoreFromEnv } from '../shared/sinks/published-state.js';
import { createSecurityHubFindingIndex } from '../shared/sinks/securityhub.js';
import { sweep } from '../shared/engine/sweep.js';
import { pipelineDeps } from '../shared/wiring/pipeline-deps.js';

const scope = { account: process.env.BENCH_ACCOUNT ?? '111122223333', region: process.env.AWS_REGION ?? 'us-east-1' };
const previous = process.env.BENCH_DESIGN === 'previous';
const clients = createClients(scope.region);
const s3 = createS3Client(scope.region);
const deps = pipelineDeps(clients, { ...scope, policy: DEFAULT_POLICY, findings: true, remediation: false, actor: 'bench', publisher: 'sweep' });
const started = performance.now();
const changes = previous
  ? undefined
  : await openChangeFilter(publishedStoreFromEnv({ securityHub: clients.securityHub, s3: () => s3 }, scope), {
      ...scope,
      refreshDays: refreshDaysFromEnv(),
      now: new Date(),
    });
const summary = await sweep({
  inventory: createInventory(clients, scope),
  deps,
  activeFindings: createSecurityHubFindingIndex(clients.securityHub, scope),
  ...(changes ? { changes } : {}),
});
const wallMs = performance.now() - started;
const usage = process.resourceUsage();
process.stdout.write(`${JSON.stringify({ wallMs, summary, maxRssKiB: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 })}\n`);
for (const client of Object.values(clients)) if (typeof client === 'object') client.destroy();
s3.destroy();
