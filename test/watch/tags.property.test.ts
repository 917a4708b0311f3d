/**
 * Round trips of the watch's tag encoders (shared/watch/tags.ts): what
 * imds-guard writes on an instance it switched, and on one it rolled back,
 * reads back as it was written, within EC2's 256-character tag values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MetadataOptions } from '../../shared/model.js';
import { decodeMark, decodePrevious, encodeMark, encodePrevious, previousAt, type RollbackMark } from '../../shared/watch/tags.js';

const RUNS = 1000;
/** EC2's limit on a tag value. */
const TAG_VALUE_MAX = 256;
const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2200-12-31T23:59:59.999Z'), noInvalidDate: true });
/** Present or absent, half and half (`freq: 2`: nil one time in 2). */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const onOff = fc.constantFrom('enabled', 'disabled') as fc.Arbitrary<'enabled' | 'disabled'>;

/** Options as DescribeInstances reports them: any field may be missing, the hop limit is 1..64. */
const options: fc.Arbitrary<MetadataOptions> = fc
  .record({
    httpTokens: maybe(fc.constantFrom('optional', 'required') as fc.Arbitrary<'optional' | 'required'>),
    httpPutResponseHopLimit: maybe(fc.integer({ min: 1, max: 64 })),
    httpEndpoint: maybe(onOff),
    httpProtocolIpv6: maybe(onOff),
    instanceMetadataTags: maybe(onOff),
  })
  .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as MetadataOptions);

describe('the watch record (imds-guard:previous)', () => {
  it('reads back the options and the time it recorded; a record without HttpTokens is refused, never guessed', () => {
    const seen = { roundTrips: 0, refused: 0, withAt: 0, allFields: 0, onlyTokens: 0 };
    fc.assert(
      fc.property(options, maybe(instant), (recorded, at) => {
        const value = encodePrevious(recorded, at);
        expect(value.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
        expect(previousAt(value)).toEqual(at);
        if (recorded.httpTokens === undefined) {
          seen.refused++;
          expect(() => decodePrevious(value)).toThrow(/no tokens recorded/);
          return;
        }
        seen.roundTrips++;
        if (at) seen.withAt++;
        if (Object.keys(recorded).length === 5) seen.allFields++;
        if (Object.keys(recorded).length === 1) seen.onlyTokens++;
        expect(decodePrevious(value)).toEqual(recorded);
      }),
      { numRuns: RUNS },
    );
    // Both outcomes, with and without the time, the fullest and the barest record.
    expect(seen.roundTrips).toBeGreaterThan(RUNS * 0.3);
    expect(seen.refused).toBeGreaterThan(RUNS * 0.1);
    expect(seen.withAt).toBeGreaterThan(RUNS * 0.1);
    expect(seen.allFields).toBeGreaterThan(10);
    expect(seen.onlyTokens).toBeGreaterThan(10);
  });

  it('refuses a record whose any field was edited to a value it would not write', () => {
    const edits = fc.constantFrom(['tokens', 'maybe'], ['hop', '0'], ['hop', '65'], ['hop', '2.5'], ['endpoint', 'on'], ['ipv6', ''], ['tags', 'Enabled'], ['color', 'blue']);
    let refused = 0;
    fc.assert(
      fc.property(options.filter((o) => o.httpTokens !== undefined), edits, (recorded, [key, text]) => {
        const parts = encodePrevious(recorded).split(';').filter((p) => !p.startsWith(`${key}=`));
        expect(() => decodePrevious([...parts, `${key}=${text}`].join(';'))).toThrow(/imds-guard:previous: (bad|unknown field)/);
        refused++;
      }),
      { numRuns: 300 },
    );
    expect(refused).toBe(300);
  });
});

const mark: fc.Arbitrary<RollbackMark> = fc.record(
  {
    at: instant,
    action: fc.constantFrom('restored', 'alert', 'manual') as fc.Arbitrary<RollbackMark['action']>,
    rejected: fc.nat({ max: 10_000_000 }),
    first: instant,
    last: instant,
  },
  { requiredKeys: ['at', 'action'] },
);

describe('the rollback mark (imds-guard:rolled-back)', () => {
  it('reads back when, how and, when complete, the evidence', () => {
    const seen = { withEvidence: 0, withoutEvidence: 0, actions: new Set<string>() };
    fc.assert(
      fc.property(mark, (m) => {
        const value = encodeMark(m);
        expect(value.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
        const complete = m.rejected !== undefined && m.first !== undefined && m.last !== undefined;
        seen[complete ? 'withEvidence' : 'withoutEvidence']++;
        seen.actions.add(m.action);
        // Evidence is written whole or not at all.
        expect(decodeMark(value)).toEqual(complete ? m : { at: m.at, action: m.action });
      }),
      { numRuns: RUNS },
    );
    expect(seen.withEvidence).toBeGreaterThan(RUNS * 0.05);
    expect(seen.withoutEvidence).toBeGreaterThan(RUNS * 0.3);
    expect([...seen.actions].sort()).toEqual(['alert', 'manual', 'restored']);
  });
});
