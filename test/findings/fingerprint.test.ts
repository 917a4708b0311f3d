/**
 * The fingerprint says whether a finding's content changed: timestamps and
 * day-to-day usage counts do not change it; compliance, resource details,
 * the usage bucket (none/used/unknown) and the reason do.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../shared/engine/evaluate.js';
import { FINGERPRINT_FIELD, PUBLISHER_FIELD, publishDecision, refreshAgeMs, DAY_MS, spreadOf } from '../../shared/findings/fingerprint.js';
import type { UsageEvidence } from '../../shared/model.js';
import { DEFAULT_POLICY } from '../../shared/policy.js';
import type { Report } from '../../shared/engine/ports.js';
import { stampedFindings } from '../../shared/sinks/securityhub.js';
import { instance } from '../support/subjects.js';

const ctx = (now: string) => ({ account: '111122223333', region: 'us-east-1', now: new Date(now) });
const usage = (calls: number | null, lastSeen?: string): UsageEvidence => ({ noTokenCalls: calls, lookbackDays: 14, ...(lastSeen ? { lastSeen: new Date(lastSeen) } : {}) });

function fps(report: Report, now = '2026-11-01T00:00:00Z'): Record<string, string> {
  return Object.fromEntries(stampedFindings([report], ctx(now), 'sweep').map((f) => [f.Id!.split('/').pop()!, f.ProductFields![FINGERPRINT_FIELD]!]));
}

const optional = (hop = 2) => evaluate(instance('i-0123456789abcdef0', { httpTokens: 'optional', httpPutResponseHopLimit: hop, httpEndpoint: 'enabled' }), DEFAULT_POLICY);

describe('finding fingerprint', () => {
  it('is the same at another time, with another usage count or last-seen time in the same bucket', () => {
    const a = fps({ verdict: optional(), usage: usage(3, '2026-10-30T00:00:00Z') }, '2026-11-01T00:00:00Z');
    const b = fps({ verdict: optional(), usage: usage(40, '2026-11-05T00:00:00Z') }, '2026-11-06T06:00:00Z');
    expect(b).toEqual(a);
  });

  it('changes with compliance, with the usage bucket (imdsv2 finding only), and with the resource details', () => {
    const base = fps({ verdict: optional(), usage: usage(3) });
    const compliant = fps({ verdict: evaluate(instance('i-0123456789abcdef0', { httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' }), DEFAULT_POLICY), usage: usage(3) });
    expect(compliant.imdsv2).not.toBe(base.imdsv2);
    const noCalls = fps({ verdict: optional(), usage: usage(0) });
    expect(noCalls.imdsv2).not.toBe(base.imdsv2);
    expect(noCalls['hop-limit']).toBe(base['hop-limit']); // usage is not shown in the hop-limit finding
    const unknown = fps({ verdict: optional(), usage: usage(null) });
    expect(unknown.imdsv2).not.toBe(base.imdsv2);
    const hop3 = fps({ verdict: optional(3), usage: usage(3) });
    expect(hop3['hop-limit']).not.toBe(base['hop-limit']);
  });

  it('is stamped with the publisher, within ASFF ProductFields limits (≤ 50 pairs, key ≤ 128, value ≤ 2048)', () => {
    const [f] = stampedFindings([{ verdict: optional(), usage: usage(3) }], ctx('2026-11-01T00:00:00Z'), 'event');
    const fields = Object.entries(f!.ProductFields!);
    expect(f!.ProductFields![PUBLISHER_FIELD]).toBe('event');
    expect(f!.ProductFields![FINGERPRINT_FIELD]).toMatch(/^[0-9a-f]{16}$/);
    expect(fields.length).toBeLessThanOrEqual(50);
    for (const [k, v] of fields) {
      expect(k.length).toBeLessThanOrEqual(128);
      expect(v.length).toBeLessThanOrEqual(2048);
    }
  });
});

describe('publish decision', () => {
  const key = '111122223333/us-east-1/instance/i-0123456789abcdef0';
  const t0 = Date.parse('2026-11-01T00:00:00Z');

  it('new, changed, refresh at the resource\'s own age (half to all of the refresh age), else unchanged', () => {
    expect(publishDecision(undefined, 'a', t0, key, 30)).toBe('new');
    expect(publishDecision({ fp: 'a', at: t0 }, 'b', t0 + 1, key, 30)).toBe('changed');
    const age = refreshAgeMs(key, 30);
    expect(age).toBeGreaterThan(15 * DAY_MS);
    expect(age).toBeLessThanOrEqual(30 * DAY_MS);
    expect(publishDecision({ fp: 'a', at: t0 }, 'a', t0 + Math.floor(age) - 1, key, 30)).toBe('unchanged');
    expect(publishDecision({ fp: 'a', at: t0 }, 'a', t0 + Math.ceil(age), key, 30)).toBe('refresh');
  });

  it('spreads resources over the window', () => {
    const spreads = Array.from({ length: 2000 }, (_, i) => spreadOf(`111122223333/us-east-1/instance/i-${i}`));
    const buckets = new Array(10).fill(0);
    for (const s of spreads) buckets[Math.floor(s * 10)]++;
    for (const b of buckets) expect(b).toBeGreaterThan(120); // ~200 each
  });
});
