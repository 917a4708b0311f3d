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
import { ACCEPTED_CONTROLS, KIND_OF_RESOURCE_TYPE, readCustomAction, type CustomActionRequest } from '../../shared/custom-action/parse.js';
import { productArnFor } from '../../shared/findings/asff.js';
import type { ResourceKind, ResourceRef } from '../../shared/model.js';
import { parseEvent } from '../../shared/refs/parse.js';
import { describeKind, KIND_NAMES, validateRefId } from '../../shared/kinds/registry.js';
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

function checkCustomAction(input: unknown): ReturnType<typeof readCustomAction> {
  let result;
  expect(() => (result = readCustomAction(input))).not.toThrow();
  const r = result as unknown as ReturnType<typeof readCustomAction>;
  if ('error' in r) {
    expect(r.error.length).toBeGreaterThan(0);
    return r;
  }
  expectValidRefs(r.selected.map((s) => s.ref), true);
  for (const s of r.selected) expect(s.identifier.Id.length).toBeGreaterThan(0);
  for (const ignored of r.ignored) expect(ignored.reason.length).toBeGreaterThan(0);
  return r;
}

/** A plain object that is not an array: what a parser must look inside (anything else is rejected at the door). */
const isRecord = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Counts of what a custom-action property reached: rejected events, selected and ignored findings. */
function tally() {
  const seen = { error: 0, selected: 0, ignored: 0 };
  return {
    seen,
    add(r: ReturnType<typeof readCustomAction>) {
      if ('error' in r) seen.error++;
      else {
        seen.selected += r.selected.length;
        seen.ignored += r.ignored.length;
      }
    },
  };
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
    let objects = 0;
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), hostileValue), (input) => {
        if (isRecord(input)) objects++;
        checkParse(input);
      }),
      { numRuns: RUNS },
    );
    // Not only primitives: a good share are objects, which the parser must look inside.
    expect(objects).toBeGreaterThan(RUNS * 0.1);
  });

  it('parseEvent: deep mutations of every fixture (CloudTrail, state change, Config, custom action)', () => {
    const seen = { parsed: 0, rejected: 0, withRefs: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...names), edits, (name, list) => {
        const input = mutate(fixtures[name], list);
        checkParse(input);
        const r = parseEvent(input, OWN);
        seen[r.ok ? 'parsed' : 'rejected']++;
        if (r.ok && r.refs.length > 0) seen.withRefs++;
      }),
      { numRuns: RUNS * 3 },
    );
    // The mutations reach both outcomes (they neither leave events intact nor only break the envelope),
    // and many parsed events still name resources.
    expect(seen.parsed).toBeGreaterThan(RUNS * 0.2);
    expect(seen.rejected).toBeGreaterThan(RUNS * 0.2);
    expect(seen.withRefs).toBeGreaterThan(RUNS * 0.2);
  });

  it('readCustomAction: random JSON and arbitrary values, bare or as the findings of a real envelope', () => {
    const action = fixtures['securityhub/custom-action.json'] as { detail: Record<string, unknown> };
    const t = tally();
    const random = fc.oneof(fc.jsonValue(), fc.anything(), hostileValue);
    const wrapped = fc.array(random, { maxLength: 6 }).map((findings) => ({ ...action, detail: { ...action.detail, findings } }));
    fc.assert(fc.property(fc.oneof(random, wrapped), (input) => t.add(checkCustomAction(input))), { numRuns: RUNS });
    // Bare values stop at the envelope; wrapped ones reach the finding parser, which ignores each with a reason.
    expect(t.seen.error).toBeGreaterThan(RUNS * 0.2);
    expect(t.seen.ignored).toBeGreaterThan(RUNS * 0.2);
  });

  it('readCustomAction: deep mutations of the custom action and of every other fixture', () => {
    const action = fixtures['securityhub/custom-action.json'];
    const own = tally();
    fc.assert(fc.property(edits, (list) => own.add(checkCustomAction(mutate(action, list)))), { numRuns: RUNS * 2 });
    // Mutations of the action keep some findings selectable and make others ignored.
    expect(own.seen.selected).toBeGreaterThan(RUNS * 0.5);
    expect(own.seen.ignored).toBeGreaterThan(RUNS * 0.2);
    const others = tally();
    fc.assert(fc.property(fc.constantFrom(...names), edits, (name, list) => others.add(checkCustomAction(mutate(fixtures[name], list)))), { numRuns: RUNS });
    expect(others.seen.error).toBeGreaterThan(RUNS * 0.5); // other events are refused at the envelope
  });

  it('readCustomAction: generated findings of every kind and control are selected only with valid ids, in the right product', () => {
    const action = fixtures['securityhub/custom-action.json'] as { detail: Record<string, unknown> };
    const seen = { ownSelected: new Map<string, number>(), controlSelected: new Map<string, number>(), hostileRefused: 0, productRefused: 0, ignored: 0 };
    fc.assert(
      fc.property(fc.array(generatedFinding, { minLength: 1, maxLength: 4 }), (generated) => {
        const r = checkCustomAction({ ...action, detail: { ...action.detail, findings: generated.map((g) => g.finding) } });
        expect(r).not.toHaveProperty('error');
        const request = r as CustomActionRequest;
        seen.ignored += request.ignored.length;
        generated.forEach((g) => {
          const chosen = request.selected.find((s) => s.identifier.Id === g.finding.Id && s.identifier.ProductArn === g.finding.ProductArn);
          // A finding is selected exactly when its id, account, region and product are all valid (the model of the parser).
          expect(chosen !== undefined, JSON.stringify(g)).toBe(g.selectable);
          if (!chosen) {
            if (!g.validId) seen.hostileRefused++;
            else if (!g.rightProduct) seen.productRefused++;
            return;
          }
          expect(chosen.ref).toEqual(g.ref);
          const bucket = chosen.source === 'imds-guard' ? seen.ownSelected : seen.controlSelected;
          const key = chosen.source === 'imds-guard' ? chosen.ref.kind : (chosen.control as string);
          bucket.set(key, (bucket.get(key) ?? 0) + 1);
        });
      }),
      { numRuns: RUNS },
    );
    // Every kind's own findings and every accepted control's findings are selected many times,
    // and findings with a hostile id or in a foreign product are refused many times.
    // (About 30 and 60 of each in 400 runs; the bounds leave room for chance.)
    for (const kind of KIND_NAMES) expect(seen.ownSelected.get(kind) ?? 0, kind).toBeGreaterThan(5);
    for (const control of Object.keys(ACCEPTED_CONTROLS)) expect(seen.controlSelected.get(control) ?? 0, control).toBeGreaterThan(5);
    expect(seen.hostileRefused).toBeGreaterThan(RUNS * 0.2);
    expect(seen.productRefused).toBeGreaterThan(RUNS * 0.1);
  });
});

/** One generated finding and what the parser must make of it. */
interface Generated {
  finding: Record<string, unknown>;
  /** The account, region and resource id are valid for the kind. */
  validId: boolean;
  /** The ProductArn is the one this source of finding is accepted from. */
  rightProduct: boolean;
  selectable: boolean;
  ref: ResourceRef;
}

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{2,30}$/);
const VALID_ID: Record<ResourceKind, (account: string) => fc.Arbitrary<string>> = {
  instance: () => fc.oneof(hex(17), hex(8)).map((h) => `i-${h}`),
  'launch-template': () => fc.oneof(hex(17).map((h) => `lt-${h}`), name),
  'launch-configuration': () => name,
  'auto-scaling-group': () => name,
  'account-defaults': (account) => fc.constant(account),
};
const VALID_ACCOUNTS = ['111122223333', '444455556666'];
const VALID_REGIONS = ['us-east-1', 'eu-west-1', 'us-gov-west-1'];
const HOSTILE_TEXT = fc.oneof(
  fc.constantFrom('i-123;rm', 'lt-0123456789abcdef0;drop', 'arn:aws:ec2:x', '\u0000x', ' padded ', 'i-0123456789ABCDEF0'),
  fc.string({ maxLength: 12 }),
  hostileValue.map((v) => printable(v)),
);

/** A place (account, region), valid or not; and a resource id for `kind`, valid or not. */
const place = fc.record({
  account: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...VALID_ACCOUNTS) }, { weight: 1, arbitrary: fc.constantFrom('1111222233', '11112222333x') }),
  region: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...VALID_REGIONS) }, { weight: 1, arbitrary: fc.constantFrom('moon-1', 'US-EAST-1') }),
});

const ownFinding: fc.Arbitrary<Generated> = fc
  .tuple(fc.constantFrom(...KIND_NAMES), place, fc.nat(2).map((n) => n === 0), fc.constantFrom('imdsv2', 'hop-limit'), fc.nat(5))
  .chain(([kind, where, hostile, check, product]) =>
    (hostile ? HOSTILE_TEXT : VALID_ID[kind](where.account)).map((id) => {
      const validId = [validateRefId(kind, id).ok, VALID_ACCOUNTS.includes(where.account), VALID_REGIONS.includes(where.region)].every(Boolean);
      // Mostly the resource account's default product; else another account's, Security Hub's, or none.
      const productArn = [productArnFor(where.account, where.region), productArnFor(where.account, where.region), productArnFor(where.account, where.region), productArnFor('999988887777', where.region), `arn:aws:securityhub:${where.region}::product/aws/securityhub`, undefined][product];
      const rightProduct = productArn === productArnFor(where.account, where.region);
      const finding = {
        Id: `imds-guard/${where.region}/${where.account}/${kind}/${id}/${check}`,
        ...(productArn ? { ProductArn: productArn } : {}),
        Resources: [{ Type: describeKind(kind).asffType, Id: `resource ${id}` }],
      };
      return { finding, validId, rightProduct, selectable: validId && rightProduct, ref: { kind, id, account: where.account, region: where.region } };
    }),
  );

const CONTROL_KINDS = Object.entries(ACCEPTED_CONTROLS).map(([control, type]) => ({ control, kind: KIND_OF_RESOURCE_TYPE.get(type)!.kind }));

function arnOf(kind: ResourceKind, id: string, account: string, region: string): string {
  if (kind === 'launch-configuration') return `arn:aws:autoscaling:${region}:${account}:launchConfiguration:0d1a4ce3-0000-4000-8000-000000000000:launchConfigurationName/${id}`;
  return describeKind(kind).arn({ kind, id, account, region });
}

const controlFinding: fc.Arbitrary<Generated> = fc
  .tuple(fc.constantFrom(...CONTROL_KINDS), place, fc.nat(2).map((n) => n === 0), fc.nat(2).map((n) => n > 0), hex(8))
  .chain(([{ control, kind }, where, hostile, hubProduct, uuid]) =>
    (hostile ? HOSTILE_TEXT : VALID_ID[kind](where.account)).map((id) => {
      const validId = [validateRefId(kind, id).ok, VALID_ACCOUNTS.includes(where.account), VALID_REGIONS.includes(where.region)].every(Boolean);
      const productArn = hubProduct ? `arn:aws:securityhub:${where.region}::product/aws/securityhub` : productArnFor(where.account, where.region);
      const finding = {
        Id: `arn:aws:securityhub:${where.region}:${where.account}:security-control/${control}/finding/${uuid}`,
        ProductArn: productArn,
        ProductName: 'Security Hub',
        AwsAccountId: where.account,
        Region: where.region,
        Compliance: { SecurityControlId: control },
        Resources: [{ Type: ACCEPTED_CONTROLS[control], Id: arnOf(kind, id, where.account, where.region) }],
      };
      return { finding, validId, rightProduct: hubProduct, selectable: validId && hubProduct, ref: { kind, id, account: where.account, region: where.region } };
    }),
  );

const generatedFinding: fc.Arbitrary<Generated> = fc.oneof(ownFinding, controlFinding);

/** Any value as text, also one String() refuses (an object without a prototype). */
function printable(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
