/**
 * Reads values at the catalog's dotted paths. Pure, never throws.
 *
 * - `a.b.c` walks own properties only (no prototype keys such as
 *   `__proto__` or `constructor` are ever followed).
 * - `items[]` walks every element when `items` is an array. CloudTrail renders
 *   EC2's XML `item`/`items` lists as a bare value when there is one element,
 *   so `[]` on anything else (an object, or a string such as a lone instance id)
 *   yields that value itself.
 */

/** A plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Upper bound on values collected for one path, so a hostile event cannot blow up memory. */
export const MAX_VALUES_PER_PATH = 10_000;

type Segment = { key: string; each: boolean };

function parsePath(path: string): Segment[] {
  return path.split('.').map((raw) => (raw.endsWith('[]') ? { key: raw.slice(0, -2), each: true } : { key: raw, each: false }));
}

/** The own property `key` of `value`, or undefined (arrays and primitives have no keys here). */
export function own(value: unknown, key: string): unknown {
  if (!isRecord(value) || !Object.hasOwn(value, key)) return undefined;
  return value[key];
}

/** Every value found at `path` (null/undefined are dropped). */
export function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const segment of parsePath(path)) {
    const next: unknown[] = [];
    for (const value of current) {
      const child = segment.key === '' ? value : own(value, segment.key);
      if (child === undefined || child === null) continue;
      if (segment.each && Array.isArray(child)) {
        for (const element of child) {
          if (element === undefined || element === null) continue;
          if (next.length >= MAX_VALUES_PER_PATH) break;
          next.push(element);
        }
      } else if (next.length < MAX_VALUES_PER_PATH) {
        next.push(child);
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

/**
 * Scalar values at `path`, as strings: strings as they are, finite numbers
 * converted (CloudTrail sends some numbers as strings and some strings as
 * numbers). Objects, arrays and booleans are dropped.
 */
export function stringsAt(root: unknown, path: string): string[] {
  const out: string[] = [];
  for (const value of valuesAt(root, path)) {
    if (typeof value === 'string') out.push(value);
    else if (typeof value === 'number' && Number.isFinite(value)) out.push(String(value));
  }
  return out;
}

/** The first string at `path`, if any. */
export function stringAt(root: unknown, path: string): string | undefined {
  return stringsAt(root, path)[0];
}
