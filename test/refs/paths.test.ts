import { describe, expect, it } from 'vitest';
import { MAX_VALUES_PER_PATH, stringsAt, valuesAt } from '../../shared/refs/paths.js';

describe('valuesAt', () => {
  it('walks dotted keys', () => {
    expect(valuesAt({ a: { b: { c: 'x' } } }, 'a.b.c')).toEqual(['x']);
    expect(valuesAt({ a: { b: {} } }, 'a.b.c')).toEqual([]);
    expect(valuesAt({ a: 'str' }, 'a.b')).toEqual([]);
  });

  it('[] walks arrays and accepts a single object or a bare string (CloudTrail item/items)', () => {
    const many = { item: [{ ids: { item: ['i-1', 'i-2'] } }, { ids: { item: 'i-3' } }] };
    expect(valuesAt(many, 'item[].ids.item[]')).toEqual(['i-1', 'i-2', 'i-3']);
    const one = { item: { ids: { item: 'i-9' } } };
    expect(valuesAt(one, 'item[].ids.item[]')).toEqual(['i-9']);
  });

  it('drops null and undefined elements', () => {
    expect(valuesAt({ items: [null, { id: 'a' }, undefined, { id: null }] }, 'items[].id')).toEqual(['a']);
  });

  it('never follows prototype keys', () => {
    expect(valuesAt({}, 'constructor.name')).toEqual([]);
    expect(valuesAt({}, '__proto__')).toEqual([]);
    expect(valuesAt([1, 2], 'length')).toEqual([]);
    const polluted = JSON.parse('{"__proto__": {"instanceId": "i-0123456789abcdef0"}}') as unknown;
    // JSON.parse makes __proto__ an own data property: it is read as plain data, nothing is polluted.
    expect(valuesAt(polluted, '__proto__.instanceId')).toEqual(['i-0123456789abcdef0']);
    expect(({} as Record<string, unknown>)['instanceId']).toBeUndefined();
  });

  it('caps the number of values collected', () => {
    const big = { items: Array.from({ length: MAX_VALUES_PER_PATH + 50 }, (_, i) => ({ id: `x${i}` })) };
    expect(valuesAt(big, 'items[].id')).toHaveLength(MAX_VALUES_PER_PATH);
  });
});

describe('stringsAt', () => {
  it('keeps strings, converts finite numbers, drops the rest', () => {
    expect(stringsAt({ v: [1, '2', true, {}, Number.NaN, 'x'] }, 'v[]')).toEqual(['1', '2', 'x']);
  });
});
