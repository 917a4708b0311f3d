/**
 * Throttling and 5xx on every service at 30% (seeded), injected before the
 * request has any effect: every finding and every evaluation is published,
 * each exactly once, and nothing is dropped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { callsByService, instanceId, startFakeAws, type FakeAws } from '../../bench/fake-aws.js';
import { createInventory } from '../../shared/wiring/inventory.js';
import type { Subject } from '../../shared/kinds/subject.js';
import { processSubjects } from '../../shared/engine/pipeline.js';
import { DEFAULT_POLICY } from '../../shared/policy.js';
import { putEvaluations } from '../../shared/sinks/config.js';
import { createSecurityHubFindingIndex } from '../../shared/sinks/securityhub.js';
import { sweep } from '../../shared/engine/sweep.js';
import { destroy, detectDeps, fakeClients, noSleep, SCOPE, seedActiveFinding } from './support.js';
import { KIND_NAMES } from '../../shared/kinds/registry.js';

const ESTATE = { instances: 1200, launchTemplates: 24, launchConfigurations: 12 };
const RESOURCES = ESTATE.instances + ESTATE.launchTemplates + ESTATE.launchConfigurations + 1;

let fake: FakeAws | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function seedStale(f: FakeAws, count: number): string[] {
  const ids: string[] = [];
  for (let k = 0; k < count; k++) {
    const id = instanceId(ESTATE.instances + 5000 + k);
    for (const check of ['imdsv2', 'hop-limit'] as const) ids.push(seedActiveFinding(f, id, check));
  }
  return ids;
}

describe('30% throttling and 5xx on every service', () => {
  it('sweep: every finding imported exactly once, stale ones archived, nothing dropped', async () => {
    fake = await startFakeAws(ESTATE, { faults: { rate: 0.3, seed: 42, firstCallOfEachOperation: true } });
    const stale = seedStale(fake, 7);
    const clients = fakeClients(fake.url);
    try {
      const summary = await sweep({
        inventory: createInventory(clients, SCOPE),
        deps: detectDeps(clients),
        activeFindings: createSecurityHubFindingIndex(clients.securityHub, { ...SCOPE, sleep: noSleep, maxAttempts: 8 }),
      });
      expect(summary.evaluated).toBe(RESOURCES);
      expect(summary.findingsPublished).toBe(2 * RESOURCES);
      expect(summary.archived).toBe(14); // findings (two checks per gone instance)
    } finally {
      destroy(clients);
    }
    // Faults really happened, on every service the sweep uses.
    const faulted = callsByService(fake.faults);
    for (const service of ['ec2', 'autoscaling', 'monitoring', 'securityhub']) expect(faulted.get(service) ?? 0).toBeGreaterThan(0);

    const findings = [...fake.findings.values()];
    const live = findings.filter((f) => !stale.includes(f.Id));
    expect(live).toHaveLength(2 * RESOURCES); // distinct Ids: none missing
    expect(live.filter((f) => f.imports !== 1)).toEqual([]); // each imported exactly once
    expect(findings.filter((f) => stale.includes(f.Id)).map((f) => [f.RecordState, f.imports])).toEqual(stale.map(() => ['ARCHIVED', 1]));
    for (let i = 0; i < ESTATE.instances; i += 97) {
      expect(fake.findings.get(`imds-guard/${SCOPE.region}/${SCOPE.account}/instance/${instanceId(i)}/imdsv2`)).toBeDefined();
    }
  });

  it('AWS Config: every evaluation delivered exactly once (scheduled run, page by page)', async () => {
    fake = await startFakeAws(ESTATE, { faults: { rate: 0.3, seed: 7, firstCallOfEachOperation: true } });
    const clients = fakeClients(fake.url);
    const deps = { policy: DEFAULT_POLICY, loader: { load: async () => [] } };
    let published = 0;
    const failed: unknown[] = [];
    try {
      const inventory = createInventory(clients, SCOPE);
      const put = async (subjects: Subject[]): Promise<void> => {
        const { reports } = await processSubjects(subjects, deps);
        const items = reports.map(({ verdict }) => ({ verdict, orderingTimestamp: '2025-03-10T10:00:00.000Z' }));
        const result = await putEvaluations(clients.config, 'token', items, { sleep: noSleep });
        published += result.published;
        failed.push(...result.failed);
      };
      for (const kind of KIND_NAMES) {
        for await (const page of inventory.pages(kind)) await put(page);
      }
    } finally {
      destroy(clients);
    }
    expect(fake.faults.get('config:PutEvaluations') ?? 0).toBeGreaterThan(0);
    expect(failed).toEqual([]);
    expect(published).toBe(RESOURCES);
    expect(fake.evaluations.size).toBe(RESOURCES);
    expect([...fake.evaluations.values()].every((n) => n === 1)).toBe(true);
  });
});
