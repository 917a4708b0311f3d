import { describe, expect, it } from 'vitest';
import { csvField } from '../../../cli/format/csv.js';

describe('csv', () => {
  it('csvField: RFC 4180 quoting and formula defusing', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    for (const f of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx']) expect(csvField(f).replace(/^"/, '')).toMatch(/^'/);
    expect(csvField(-1)).toBe('-1');
    expect(csvField(null)).toBe('');
  });
});
