/**
 * Round trip of the published-state file (shared/sinks/published.ts): what a
 * sweep saves is what the next one loads, for any finding ids and
 * fingerprints, and only in the account and Region it was saved for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PublishedEntry } from '../../shared/findings/fingerprint.js';
import { decodeState, encodeState } from '../../shared/sinks/published-state.js';

const RUNS = 300;
const SCOPE = { account: '111122223333', region: 'us-east-1' };
/** Our finding ids, and any text at all (the ids come back from Security Hub). */
const findingId = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }).map((rest) => `imds-guard/us-east-1/111122223333/instance/${rest}`), fc.string({ maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'toString'));
const entry: fc.Arbitrary<PublishedEntry> = fc.record({ fp: fc.oneof(fc.string({ maxLength: 64 }), fc.constant('')), at: fc.integer({ min: 0, max: 4_102_444_800_000 }) });
const state = fc.uniqueArray(fc.tuple(findingId, entry), { selector: ([id]) => id, maxLength: 30 }).map((pairs) => new Map(pairs));
const savedAt = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });

describe('the published-state file', () => {
  it('loads what was saved: every entry, its fingerprint, its time to the second, and when it was saved', () => {
    const seen = { empty: 0, large: 0, oddIds: 0 };
    fc.assert(
      fc.property(state, savedAt, (entries, at) => {
        if (entries.size === 0) seen.empty++;
        if (entries.size >= 5) seen.large++;
        if ([...entries.keys()].some((id) => !id.startsWith('imds-guard/'))) seen.oddIds++;
        const decoded = decodeState(encodeState(entries, SCOPE, at), SCOPE);
        expect(decoded).toEqual({ savedAt: at, entries: new Map([...entries].map(([id, e]) => [id, { fp: e.fp, at: Math.floor(e.at / 1000) * 1000 }])) });
      }),
      { numRuns: RUNS },
    );
    // Empty and many-entry states, and ids that are not ours, are all reached (about 12 %, 50 %, 85 % of the runs).
    expect(seen.empty).toBeGreaterThan(5);
    expect(seen.large).toBeGreaterThan(RUNS * 0.25);
    expect(seen.oddIds).toBeGreaterThan(RUNS * 0.2);
  });

  it('is refused by any other account or Region', () => {
    const place = fc.record({ account: fc.constantFrom('111122223333', '444455556666'), region: fc.constantFrom('us-east-1', 'eu-west-1') });
    const seen = { same: 0, other: 0 };
    fc.assert(
      fc.property(state, savedAt, place, (entries, at, where) => {
        const decoded = decodeState(encodeState(entries, where, at), SCOPE);
        if (where.account === SCOPE.account && where.region === SCOPE.region) {
          seen.same++;
          expect(decoded).not.toHaveProperty('error');
        } else {
          seen.other++;
          expect(decoded).toEqual({ error: `state of ${where.account}/${where.region}, not ${SCOPE.account}/${SCOPE.region}` });
        }
      }),
      { numRuns: RUNS },
    );
    expect(seen.same).toBeGreaterThan(RUNS * 0.1);
    expect(seen.other).toBeGreaterThan(RUNS * 0.5);
  });
});
