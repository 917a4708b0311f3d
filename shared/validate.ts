/**
 * Identifier validation. Everything taken from an event passes through here
 * before it becomes a ResourceRef, so a malformed or hostile value (`i-123;rm`)
 * never reaches an AWS call or a log line unquoted. Pure, never throws.
 */

export type Validation = { ok: true; value: string } | { ok: false; reason: string };
export const ACCOUNT_ID = /^\d{12}$/;
/** `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-northwest-1`, `us-isob-east-1`. */
export const REGION = /^[a-z]{2}(?:-[a-z]+){1,3}-\d{1,2}$/;

/** Quoted, shortened rendering of a bad value for a reason string. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function check(value: unknown, what: string, pattern: RegExp, expected: string): Validation {
  if (typeof value !== 'string') return { ok: false, reason: `${what} must be a string, got ${show(value)}` };
  if (!pattern.test(value)) return { ok: false, reason: `${what} ${show(value)} is not ${expected}` };
  return { ok: true, value };
}

export function validateAccountId(value: unknown): Validation {
  return check(value, 'account id', ACCOUNT_ID, '12 digits');
}

export function validateRegion(value: unknown): Validation {
  return check(value, 'region', REGION, 'a region name such as us-east-1 or us-gov-west-1');
}
