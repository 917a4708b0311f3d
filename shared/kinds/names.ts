/**
 * The kind names alone, in sweep and report order, for modules every
 * function bundles (shared/policy.ts): importing the registry would bundle
 * every kind's edge, and with it AWS calls (and IAM grants, see
 * test/infra/permissions.test.ts) a function like the watch never makes.
 * shared/kinds/registry.ts re-exports this list and keys its table by the same
 * `ResourceKind`s; the record below fails to compile when a kind is missing.
 */
import type { ResourceKind } from '../model.js';

const ORDER: { readonly [K in ResourceKind]: true } = {
  instance: true,
  'launch-template': true,
  'launch-configuration': true,
  'account-defaults': true,
  'auto-scaling-group': true,
};

/** Every kind, in sweep and report order. */
export const KIND_NAMES = Object.keys(ORDER) as ResourceKind[];

export function isKind(value: unknown): value is ResourceKind {
  return typeof value === 'string' && Object.hasOwn(ORDER, value);
}
