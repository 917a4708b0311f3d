/**
 * A Lambda timeout mid-sweep: the run is frozen after a few pages, as the
 * Lambda runtime freezes a timed-out function (nothing is flushed, nothing
 * archived), then the next scheduled run starts from scratch and completes
 * the work: every finding present, each resource's findings current, only
 * the really stale ones archived.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { instanceId, startFakeAws, type FakeAws } from '../../bench/fake-aws.js';
import { createInventory } from '../../shared/wiring/inventory.js';
import type { Inventory } from '../../shared/engine/ports.js';
import { createSecurityHubFindingIndex } from '../../shared/sinks/securityhub.js';
import { sweep } from '../../shared/engine/sweep.js';
import { destroy, detectDeps, fakeClients, noSleep, SCOPE, seedActiveFinding } from './support.js';
import type { SubjectOf } from '../../shared/kinds/subject.js';
import type { ResourceKind } from '../../shared/model.js';

const ESTATE = { instances: 3500, launchTemplates: 70, launchConfigurations: 35 };
const RESOURCES = ESTATE.instances + ESTATE.launchTemplates + ESTATE.launchConfigurations + 1;

/**
 * The real inventory, frozen after `pages` instance pages: the next page never
 * comes (a timed-out Lambda is frozen, not told), and `frozen` is called.
 */
function cutAfter(inventory: Inventory, pages: number, frozen: () => void): Inventory {
  return {
    pages<K extends ResourceKind>(kind: K): AsyncIterable<SubjectOf<K>[]> {
      if (kind !== 'instance') return inventory.pages(kind);
      return (async function* () {
        let n = 0;
        for await (const page of inventory.pages(kind)) {
          if (n++ === pages) {
            frozen();
            await new Promise<never>(() => undefined);
          }
          yield page;
        }
      })();
    },
  };
}

/** Waits until the fake has answered no call for a while: what was in flight when the run froze has landed. */
async function quiet(fake: FakeAws): Promise<void> {
  const total = (): number => [...fake.calls.values()].reduce((a, b) => a + b, 0);
  for (let last = -1; total() !== last; ) {
    last = total();
    await new Promise((r) => setTimeout(r, 300));
  }
}

let fake: FakeAws | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('Lambda timeout mid-sweep', () => {
  it('the next run completes the work', async () => {
    fake = await startFakeAws(ESTATE, { faults: { rate: 0.1, seed: 5 } });
    const staleId = seedActiveFinding(fake, instanceId(999_999), 'imdsv2');
    const clients = fakeClients(fake.url);
    const run = (inventory: Inventory) =>
      sweep({
        inventory,
        deps: detectDeps(clients),
        activeFindings: createSecurityHubFindingIndex(clients.securityHub, { ...SCOPE, sleep: noSleep }),
      });
    try {
      let frozen!: () => void;
      const reached = new Promise<void>((resolve) => (frozen = resolve));
      void run(cutAfter(createInventory(clients, SCOPE), 2, frozen));
      await reached;
      await quiet(fake);
      const afterCut = fake.findings.size - 1;
      expect(afterCut).toBeGreaterThan(0);
      expect(afterCut).toBeLessThan(2 * RESOURCES);
      expect(fake.findings.get(staleId)?.RecordState).toBe('ACTIVE'); // a cut run archives nothing

      const summary = await run(createInventory(clients, SCOPE));
      expect(summary.evaluated).toBe(RESOURCES);
    } finally {
      destroy(clients);
    }
    const live = [...fake.findings.values()].filter((f) => !f.Id.includes(instanceId(999_999)));
    expect(live).toHaveLength(2 * RESOURCES);
    expect(live.filter((f) => f.RecordState !== 'ACTIVE')).toEqual([]);
    expect(fake.findings.get(staleId)?.RecordState).toBe('ARCHIVED');
    expect(fake.findings.get(staleId.replace('/imdsv2', '/hop-limit'))?.RecordState).toBe('ARCHIVED');
    for (let i = 0; i < ESTATE.instances; i += 250) {
      expect(fake.findings.get(`imds-guard/${SCOPE.region}/${SCOPE.account}/instance/${instanceId(i)}/hop-limit`)).toBeDefined();
    }
  });
});
