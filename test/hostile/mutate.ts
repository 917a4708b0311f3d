/**
 * Mutations of real-shaped fixtures for property tests: any value anywhere in
 * the tree (and inside JSON-in-a-string fields such as Config's
 * `invokingEvent`) replaced, deleted, retyped or swapped for a hostile id.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';

const root = new URL('../fixtures/', import.meta.url);

/** Every event fixture (API replies and ASFF excluded), by folder/name. */
export function eventFixtures(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const folder of ['cloudtrail', 'eventbridge', 'config', 'securityhub']) {
    for (const file of readdirSync(new URL(`${folder}/`, root)).filter((f) => f.endsWith('.json')).sort()) {
      out[`${folder}/${file}`] = JSON.parse(readFileSync(new URL(`${folder}/${file}`, root), 'utf8')) as Record<string, unknown>;
    }
  }
  return out;
}

export const HOSTILE_IDS = [
  'i-123;rm -rf /',
  'i-0abc$(reboot)',
  'i-0123456789abcdef0\n',
  'i-0123456789ABCDEF0',
  ' i-0123456789abcdef0',
  'i-0123456789abcdef0`id`',
  '../../etc/passwd',
  'lt-0123456789abcdef0;drop',
  'lt-0123456789abcdef0 OR 1=1',
  'arn:aws:autoscaling:us-east-1:111122223333:launchConfiguration:x',
  '<script>alert(1)</script>',
  '\u0000i-0123456789abcdef0',
  '\ud800',
  'x'.repeat(10_000),
  '999999999999',
  'eu-west-1',
  '__proto__',
  'constructor',
];

/** Values a mutation may put anywhere. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_IDS),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, undefined, 0, -1, 1e308, Number.NaN, true, [], {}, '', '[]', '{}', 'null'),
  fc.string({ maxLength: 40 }),
);

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  else if (typeof value === 'string' && value.startsWith('{')) {
    try {
      paths(JSON.parse(value), [...prefix, '<json>'], out);
    } catch {
      // not JSON after all
    }
  }
  return out;
}

export interface Edit {
  at: number;
  op: 'set' | 'delete' | 'wrap' | 'stringify';
  value: unknown;
}

export const edits: fc.Arbitrary<Edit[]> = fc.array(
  fc.record({ at: fc.nat(), op: fc.constantFrom('set', 'delete', 'wrap', 'stringify'), value: hostileValue }) as fc.Arbitrary<Edit>,
  { minLength: 1, maxLength: 6 },
);

function apply(target: unknown, path: Path, edit: Edit): unknown {
  if (path.length === 0) {
    switch (edit.op) {
      case 'set':
        return edit.value;
      case 'delete':
        return undefined;
      case 'wrap':
        return [target];
      case 'stringify':
        return JSON.stringify(target) ?? String(target);
    }
  }
  const [head, ...rest] = path as [string | number, ...Path];
  if (head === '<json>') {
    const inner = apply(JSON.parse(target as string), rest, edit);
    return JSON.stringify(inner) ?? '';
  }
  const container = target as Record<string | number, unknown>;
  const next = apply(container[head], rest, edit);
  if (next === undefined && rest.length === 0 && edit.op === 'delete') {
    if (Array.isArray(container)) container.splice(head as number, 1);
    else delete container[head];
  } else container[head] = next;
  return container;
}

/** A mutated deep copy of `base`. */
export function mutate(base: unknown, list: readonly Edit[]): unknown {
  let value: unknown = structuredClone(base);
  for (const edit of list) {
    const all = paths(value);
    const path = all[edit.at % all.length] as Path;
    value = apply(value, path, edit);
  }
  return value;
}
