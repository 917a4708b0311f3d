/** Helpers shared by the event parsers. Pure. */
import type { ResourceKind, ResourceRef, Scope } from '../model.js';
import type { ParseNotOk, RejectedId } from './types.js';
import { validateRefId } from '../kinds/registry.js';
import { show } from '../validate.js';

export { isRecord } from './paths.js';

export function notOk(ignored: boolean, reason: string, extra: Partial<ParseNotOk> = {}): ParseNotOk {
  return { ok: false, ignored, reason, ...extra };
}

/**
 * Rejects an event whose account or region is not the function's own.
 * `values` are the claims found in the event (undefined = absent).
 */
export function foreign(own: Scope, claims: { what: string; account?: unknown; region?: unknown }[]): string | undefined {
  for (const claim of claims) {
    if (claim.account !== undefined && claim.account !== own.account) {
      return `${claim.what} account ${show(claim.account)} is not this function's account ${own.account}`;
    }
    if (claim.region !== undefined && claim.region !== own.region) {
      return `${claim.what} region ${show(claim.region)} is not this function's region ${own.region}`;
    }
  }
  return undefined;
}

/** Collects validated, de-duplicated refs and the ids it refused. */
export class RefCollector {
  readonly refs: ResourceRef[] = [];
  readonly rejected: RejectedId[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly own: Scope) {}

  /** Adds `value` as a ref of `kind`; returns whether it was valid. */
  add(kind: ResourceKind, value: string): boolean {
    const valid = validateRefId(kind, value);
    if (!valid.ok) {
      const key = `${kind}\u0000${value}`;
      if (!this.seen.has(`x${key}`)) {
        this.seen.add(`x${key}`);
        this.rejected.push({ kind, value: value.length > 300 ? `${value.slice(0, 300)}...` : value, reason: valid.reason });
      }
      return false;
    }
    const key = `${kind}\u0000${valid.value}`;
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.refs.push({ kind, id: valid.value, account: this.own.account, region: this.own.region });
    }
    return true;
  }
}
