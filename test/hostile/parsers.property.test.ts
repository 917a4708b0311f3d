/**
 * Property tests over every parser: parseEvent (CloudTrail, EC2 state change,
 * Config invocation) and readCustomAction (Security Hub custom action), fed
 * random JSON and deep mutations of EVERY event fixture (any node, nested
 * JSON strings included). They never throw; each result is either parsed,
 * with every ref a valid id of this account and region, or rejected with a
 * reason. (test/refs/parse.test.ts fuzzes top-level detail keys; this goes
 * deeper and covers the custom action.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCustomAction } from '../../shared/custom-action/parse.js';
import type { ResourceRef } from '../../shared/model.js';
import { parseEvent } from '../../shared/refs/parse.js';
import { KIND_NAMES, validateRefId } from '../../shared/kinds/registry.js';
import { edits, eventFixtures, hostileValue, mutate } from './mutate.js';

const OWN = { account: '111122223333', region: 'us-east-1' };
const fixtures = eventFixtures();
const names = Object.keys(fixtures);
const RUNS = 400;

/** `anyPlace`: custom actions name resources of any account and region (the hub acts across the organization). */
function expectValidRefs(refs: readonly ResourceRef[], anyPlace = false): void {
  for (const ref of refs) {
    if (anyPlace) {
      expect(ref.account).toMatch(/^\d{12}$/);
      expect(ref.region).toMatch(/^[a-z]{2}(-[a-z]+){1,3}-\d{1,2}$/);
    } else {
      expect(ref.account).toBe(OWN.account);
      expect(ref.region).toBe(OWN.region);
    }
    expect(KIND_NAMES).toContain(ref.kind);
    const valid = validateRefId(ref.kind, ref.id);
    expect(valid, `${ref.kind} ${JSON.stringify(ref.id)}`).toMatchObject({ ok: true, value: ref.id });
  }
}

function checkParse(input: unknown): void {
  let result;
  expect(() => (result = parseEvent(input, OWN))).not.toThrow();
  const r = result as unknown as ReturnType<typeof parseEvent>;
  if (r.ok) {
    expectValidRefs(r.refs);
    for (const rejected of r.rejected) expect(rejected.reason.length).toBeGreaterThan(0);
    for (const item of r.config?.items ?? []) expectValidRefs([item.ref]);
  } else {
    expect(typeof r.reason).toBe('string');
    expect(r.reason.length).toBeGreaterThan(0);
  }
}

function checkCustomAction(input: unknown): void {
  let result;
  expect(() => (result = readCustomAction(input))).not.toThrow();
  const r = result as unknown as ReturnType<typeof readCustomAction>;
  if ('error' in r) {
    expect(r.error.length).toBeGreaterThan(0);
    return;
  }
  expectValidRefs(r.selected.map((s) => s.ref), true);
  for (const s of r.selected) expect(s.identifier.Id.length).toBeGreaterThan(0);
  for (const ignored of r.ignored) expect(ignored.reason.length).toBeGreaterThan(0);
}

describe('every parser, hostile input', () => {
  it('fixtures as they are: parsed by their own parser', () => {
    for (const name of names) {
      if (name.startsWith('securityhub/')) {
        const r = readCustomAction(fixtures[name]);
        expect('selected' in r && r.selected.length, name).toBeGreaterThan(0);
      } else checkParse(fixtures[name]);
    }
  });

  it('parseEvent: random JSON and arbitrary values', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.anything(), hostileValue), checkParse), { numRuns: RUNS });
  });

  it('parseEvent: deep mutations of every fixture (CloudTrail, state change, Config, custom action)', () => {
    const seen = { parsed: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...names), edits, (name, list) => {
        const input = mutate(fixtures[name], list);
        checkParse(input);
        seen[parseEvent(input, OWN).ok ? 'parsed' : 'rejected']++;
      }),
      { numRuns: RUNS * 3 },
    );
    // The mutations reach both outcomes (they neither leave events intact nor only break the envelope).
    expect(seen.parsed).toBeGreaterThan(RUNS * 0.2);
    expect(seen.rejected).toBeGreaterThan(RUNS * 0.2);
  });

  it('readCustomAction: random JSON and arbitrary values', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.anything(), hostileValue), checkCustomAction), { numRuns: RUNS });
  });

  it('readCustomAction: deep mutations of the custom action and of every other fixture', () => {
    const action = fixtures['securityhub/custom-action.json'];
    fc.assert(fc.property(edits, (list) => checkCustomAction(mutate(action, list))), { numRuns: RUNS * 2 });
    fc.assert(fc.property(fc.constantFrom(...names), edits, (name, list) => checkCustomAction(mutate(fixtures[name], list))), { numRuns: RUNS });
  });

  it('readCustomAction: findings with random Ids and ProductFields never yield an invalid ref', () => {
    const action = fixtures['securityhub/custom-action.json'] as { detail: { findings: Record<string, unknown>[] } };
    const kinds = fc.constantFrom(...KIND_NAMES, 'bucket', '');
    const finding = fc.record({
      Id: fc.oneof(
        hostileValue,
        fc.tuple(fc.constantFrom('us-east-1', 'eu-west-1', 'us-east-1 '), fc.constantFrom('111122223333', '999999999999', '1111222233'), kinds, hostileValue, fc.constantFrom('imdsv2', 'hop-limit', 'x'))
          .map(([region, account, kind, id, check]) => `imds-guard/${region}/${account}/${kind}/${printable(id)}/${check}`),
      ),
      ProductFields: fc.oneof(
        hostileValue,
        fc.record({ 'imds-guard/kind': kinds, 'imds-guard/id': hostileValue, 'imds-guard/check': fc.constantFrom('imdsv2', 'hop-limit') }),
      ),
    });
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 8 }), (findings) => {
        checkCustomAction({ ...action, detail: { ...action.detail, findings: [...findings, ...action.detail.findings.slice(0, 1)] } });
      }),
      { numRuns: RUNS },
    );
  });
});

/** Any value as text, also one String() refuses (an object without a prototype). */
function printable(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
