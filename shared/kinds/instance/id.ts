/**
 * Instance ids, validated before they become a ResourceRef. Pure, never throws.
 */
import { check, type Validation } from '../../validate.js';


/** `i-` and 8 (older) or 17 lowercase hex digits. */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

export function validateInstanceId(value: unknown): Validation {
  return check(value, 'instance id', INSTANCE_ID, "'i-' followed by 8 or 17 lowercase hex digits");
}
