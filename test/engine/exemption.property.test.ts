/** Hostile input for the exemption grammar: never throws, never a silent exemption. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExemption } from '../../shared/engine/exemption.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const KEYS = new Set(['reason', 'owner', 'until']);

describe('parseExemption (property)', () => {
  it('never throws, and exempts a value with "=" only when every part is a known key with a value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 256 }), (value) => {
        const e = parseExemption(value, 'tagged k', NOW);
        if (e.status !== 'exempt' || !value.includes('=')) return;
        for (const part of value.split(';').map((p) => p.trim()).filter(Boolean)) {
          const eq = part.indexOf('=');
          expect(eq).toBeGreaterThan(0);
          expect(KEYS.has(part.slice(0, eq).trim())).toBe(true);
          expect(part.slice(eq + 1).trim()).not.toBe('');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a well-formed until decides by the day alone', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const day = d.toISOString().slice(0, 10);
        const e = parseExemption(`owner=x;until=${day}`, 'tagged k', NOW);
        expect(e.status).toBe(day >= '2026-06-15' ? 'exempt' : 'expired');
      }),
    );
  });
});
