/**
 * The checks imds-guard makes, as data: every kind judges each of them and
 * publishes one finding per check. A check's words are its own, so a new
 * check never borrows another's title (docs/architecture.md, "check").
 */
import type { CheckId, Compliance } from '../model.js';

export interface CheckSpec {
  id: CheckId;
  /** What the finding title says about the resource, per outcome. */
  states: Readonly<Record<Compliance, string>>;
}

export const CHECKS: Readonly<Record<CheckId, CheckSpec>> = {
  imdsv2: {
    id: 'imdsv2',
    states: {
      NON_COMPLIANT: 'accepts IMDSv1',
      COMPLIANT: 'does not accept IMDSv1',
      NOT_APPLICABLE: 'IMDSv2 check not applicable',
    },
  },
  'hop-limit': {
    id: 'hop-limit',
    states: {
      NON_COMPLIANT: 'hop limit above the ceiling',
      COMPLIANT: 'hop limit within the ceiling',
      NOT_APPLICABLE: 'hop-limit check not applicable',
    },
  },
};

/** Every check, in the order findings are built. */
export const CHECK_IDS = Object.keys(CHECKS) as CheckId[];

export function isCheck(value: unknown): value is CheckId {
  return typeof value === 'string' && Object.hasOwn(CHECKS, value);
}
