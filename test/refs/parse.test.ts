import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSERS, parseEvent, type EventParser } from '../../shared/refs/parse.js';
import { OWN, fixture, fixtureNames, ref } from './fixtures.js';

describe('parseEvent dispatch', () => {
  it('routes each format to its parser', () => {
    expect(parseEvent(fixture('cloudtrail/RunInstances.json'), OWN)).toMatchObject({ ok: true, source: 'cloudtrail', eventName: 'RunInstances' });
    expect(parseEvent(fixture('eventbridge/ec2-state-change-running.json'), OWN)).toMatchObject({ ok: true, source: 'state-change' });
    expect(parseEvent(fixture('config/change-instance.json'), OWN)).toMatchObject({ ok: true, source: 'config' });
  });

  it('refs carry the function own account and region', () => {
    const result = parseEvent(fixture('cloudtrail/CreateLaunchConfiguration.json'), OWN);
    expect(result.ok && result.refs).toEqual([ref('launch-configuration', 'legacy-web-lc-v7')]);
  });

  it('rejects unknown formats (not ignored)', () => {
    expect(parseEvent({ 'detail-type': 'Security Hub Findings - Custom Action', detail: {} }, OWN)).toEqual({
      ok: false,
      ignored: false,
      reason: 'unrecognised event detail-type "Security Hub Findings - Custom Action"',
    });
    expect(parseEvent({ hello: 'world' }, OWN)).toEqual({ ok: false, ignored: false, reason: 'unrecognised event format' });
  });

  it('takes another parser module without changes here (e.g. the Security Hub custom action)', () => {
    const securityHub: EventParser = {
      source: 'security-hub',
      matches: (e) => e['detail-type'] === 'Security Hub Findings - Custom Action',
      parse: (_e, own) => ({ ok: true, source: 'security-hub', refs: [{ kind: 'instance', id: 'i-0abc1234', ...own }], rejected: [] }),
    };
    const result = parseEvent({ 'detail-type': 'Security Hub Findings - Custom Action' }, OWN, [...DEFAULT_PARSERS, securityHub]);
    expect(result).toEqual({ ok: true, source: 'security-hub', refs: [ref('instance', 'i-0abc1234')], rejected: [] });
  });

  it('rejects an invalid own account or region', () => {
    expect(parseEvent(fixture('cloudtrail/RunInstances.json'), { account: '1', region: 'us-east-1' })).toMatchObject({
      ok: false,
      reason: 'own account id "1" is not 12 digits',
    });
    expect(parseEvent(fixture('cloudtrail/RunInstances.json'), { account: OWN.account, region: 'mars' })).toMatchObject({ ok: false });
  });
});

describe('parseEvent never throws', () => {
  it.each([
    ['null', null, 'event is not a JSON object (null)'],
    ['undefined', undefined, 'event is not a JSON object (undefined)'],
    ['an array', [fixture('cloudtrail/RunInstances.json')], 'event is not a JSON object (array)'],
    ['a string', 'RunInstances', 'event is not a JSON object (string)'],
    ['a number', 42, 'event is not a JSON object (number)'],
  ])('%s', (_what, input, reason) => {
    expect(parseEvent(input, OWN)).toEqual({ ok: false, ignored: false, reason });
  });

  it('survives getters that throw', () => {
    const hostile = Object.defineProperty({}, 'detail-type', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(parseEvent(hostile, OWN)).toEqual({ ok: false, ignored: false, reason: 'event could not be read: boom' });
  });

  it('treats __proto__ / constructor keys as plain data and pollutes nothing', () => {
    const text = JSON.stringify(fixture('cloudtrail/RunInstances.json')).replace(
      '"responseElements":',
      '"__proto__":{"responseElements":{"instancesSet":{"items":[{"instanceId":"i-0123456789abcdef0"}]}}},"constructor":{"prototype":{"x":1}},"responseElements":',
    );
    const result = parseEvent(JSON.parse(text), OWN);
    expect(result.ok && result.refs).toEqual([ref('instance', 'i-0fc5d99558e8357e8')]);
    expect(({} as Record<string, unknown>)['responseElements']).toBeUndefined();
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    const proto = parseEvent(JSON.parse('{"__proto__":{"detail-type":"AWS API Call via CloudTrail"}}'), OWN);
    expect(proto).toEqual({ ok: false, ignored: false, reason: 'unrecognised event format' });
  });

  it('handles huge events', () => {
    const event = fixture('cloudtrail/RunInstances-autoscaling.json') as Record<string, any>;
    const ids = Array.from({ length: 5000 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
    event.detail.responseElements.instancesSet.items = ids.map((instanceId) => ({ instanceId }));
    event.detail.requestParameters.junk = 'x'.repeat(2_000_000);
    const result = parseEvent(event, OWN);
    expect(result.ok && result.refs.length).toBe(5000);
    expect(result.ok && result.refs[4999]?.id).toBe(ids[4999]);
  });

  it('returns a result for arbitrary JSON and arbitrary mutations of every fixture', () => {
    const all = [
      ...fixtureNames('cloudtrail').map((f) => fixture(`cloudtrail/${f}`)),
      ...fixtureNames('eventbridge').map((f) => fixture(`eventbridge/${f}`)),
      ...fixtureNames('config').map((f) => fixture(`config/${f}`)),
    ];
    const seen = { parsed: 0, withRefs: 0, rejected: 0, objects: 0 };
    const check = (input: unknown) => {
      const result = parseEvent(input, OWN);
      expect(typeof result.ok).toBe('boolean');
      if (result.ok) {
        seen.parsed++;
        if (result.refs.length > 0) seen.withRefs++;
        for (const r of result.refs) expect(r).toMatchObject({ account: OWN.account, region: OWN.region });
      } else {
        seen.rejected++;
        expect(result.reason.length).toBeGreaterThan(0);
      }
    };
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        if (typeof input === 'object' && input !== null && !Array.isArray(input)) seen.objects++;
        check(input);
      }),
      { numRuns: 300 },
    );
    // Random JSON is refused, a good share of it only after the parser looked inside an object.
    expect(seen).toMatchObject({ parsed: 0, rejected: 300 });
    expect(seen.objects).toBeGreaterThan(30);
    Object.assign(seen, { parsed: 0, withRefs: 0, rejected: 0 });
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.array(fc.tuple(fc.string(), fc.jsonValue()), { maxLength: 5 }), (base, edits) => {
        const event = structuredClone(base) as Record<string, any>;
        for (const [key, value] of edits) {
          if (event.detail && typeof event.detail === 'object') event.detail[key] = value;
          else event[key] = value;
        }
        check(event);
      }),
      { numRuns: 300 },
    );
    // Edited fixtures are mostly still read, with the resources they name (random keys rarely hit a field the parser reads).
    expect(seen.parsed).toBeGreaterThan(150);
    expect(seen.withRefs).toBeGreaterThan(150);
    expect(seen.rejected).toBeGreaterThan(10);
  });
});
