/** Hostile input for the exemption grammar: never throws, never a silent exemption. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExemption } from '../../shared/engine/exemption.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const KEYS = new Set(['reason', 'owner', 'until']);
const RUNS = 2000;

/** Text for a value: no `;` (it separates parts); may hold spaces, `=` and unicode. */
const text = fc.oneof(fc.string({ maxLength: 12 }).filter((t) => !t.includes(';')), fc.constantFrom('', ' ', 'ops team', 'a=b'));
const day = fc.oneof(
  fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2026-02-30', '2026-13-01', '26-06-15', 'tomorrow', '2026-06-15', '2026-06-14'),
);
/** One `key=value` part: mostly a known key, sometimes an unknown or misspelt one, an empty value, no `=`. */
const part = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('reason', 'owner'), text).map(([k, v]) => `${k}=${v}`) },
  { weight: 3, arbitrary: day.map((d) => `until=${d}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('Reason', 'expires', 'ownr', ''), text).map(([k, v]) => `${k}=${v}`) },
  { weight: 1, arbitrary: fc.constantFrom('reason', 'owner=', ' until = ') },
);
/** Values shaped like the grammar (parts joined by `;`, spaces around), and any string at all. */
const exemptionValue = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.array(part, { minLength: 1, maxLength: 4 }), fc.constantFrom(';', '; ', ' ; ', ';;')).map(([parts, sep]) => parts.join(sep)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 256 }) },
);

describe('parseExemption (property)', () => {
  it('never throws, and exempts a value with "=" only when every part is a known key, once, with a value', () => {
    const seen = { exemptWithPairs: 0, expired: 0, malformed: 0, plainText: 0 };
    fc.assert(
      fc.property(exemptionValue, (value) => {
        const e = parseExemption(value, 'tagged k', NOW);
        if (e.status === 'malformed') seen.malformed++;
        if (e.status === 'expired') seen.expired++;
        if (e.status !== 'exempt') return;
        if (!value.includes('=')) {
          seen.plainText++;
          return;
        }
        seen.exemptWithPairs++;
        const keys = new Set<string>();
        for (const p of value.split(';').map((x) => x.trim()).filter(Boolean)) {
          const eq = p.indexOf('=');
          expect(eq).toBeGreaterThan(0);
          const key = p.slice(0, eq).trim();
          expect(KEYS.has(key)).toBe(true);
          expect(keys.has(key)).toBe(false);
          keys.add(key);
          expect(p.slice(eq + 1).trim()).not.toBe('');
        }
      }),
      { numRuns: RUNS },
    );
    // The branch under test (an exemption made of pairs) and the refusals around it are all reached
    // (about 13 %, 60 %, 2 % and 25 % of the runs).
    expect(seen.exemptWithPairs).toBeGreaterThan(RUNS * 0.05);
    expect(seen.malformed).toBeGreaterThan(RUNS * 0.1);
    expect(seen.expired).toBeGreaterThan(10);
    expect(seen.plainText).toBeGreaterThan(RUNS * 0.05);
  });

  it('a well-formed until decides by the day alone', () => {
    const seen = { exempt: 0, expired: 0 };
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const day = d.toISOString().slice(0, 10);
        const e = parseExemption(`owner=x;until=${day}`, 'tagged k', NOW);
        expect(e.status).toBe(day >= '2026-06-15' ? 'exempt' : 'expired');
        seen[e.status as 'exempt' | 'expired']++;
      }),
      { numRuns: 500 },
    );
    // Both sides of NOW are reached (NOW's own day is exempt: see test/exemption.test.ts).
    expect(seen.exempt).toBeGreaterThan(50);
    expect(seen.expired).toBeGreaterThan(50);
  });
});
