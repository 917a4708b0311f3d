/**
 * How the CLI tells errors apart: a usage mistake (exit 2), a credential
 * problem (exit 2, stops everything), a permission problem on one call
 * (that part of the region fails, the rest goes on), or a region that cannot
 * be used at all (not enabled, token not valid there: the region fails, the
 * other regions go on). Throttling never gets here: the SDK retries it.
 */
import { errorCode } from '../shared/aws/batch.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** Bad arguments or settings; the message is shown with a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** No usable credentials: nothing can be scanned anywhere. */
export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

/** Every error in an error's `cause` chain, outermost first. */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && out.length < 10 && !out.includes(current)) {
    out.push(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return out;
}

/** The innermost AWS error code (AwsCallError wraps the SDK error as `cause`). */
export function awsCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (const e of chain(error)) {
    const c = errorCode(e);
    if (c !== undefined && c !== 'AwsCallError') code = c;
  }
  return code;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

const CREDENTIAL_CODES = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'SSOTokenProviderFailure',
]);

/** The caller has no valid credentials at all (checked before anything else runs). */
export function isCredentialsError(error: unknown): boolean {
  return chain(error).some((e) => {
    const code = errorCode(e);
    if (code !== undefined && CREDENTIAL_CODES.has(code)) return true;
    const message = e instanceof Error ? e.message : '';
    return /Could not load credentials|Unable to locate credentials|Token is expired|SSO session .* expired/i.test(message);
  });
}

const PERMISSION_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
  'Blocked',
]);

/** Denied on one API call: the rest of the region may still work. */
export function isPermissionError(error: unknown): boolean {
  const code = awsCode(error);
  return code !== undefined && PERMISSION_CODES.has(code);
}

const REGION_HINTS: Record<string, string> = {
  AuthFailure: 'the region may not be enabled for this account (opt-in region), or the credentials are not valid there',
  UnrecognizedClientException: 'the region may not be enabled for this account (opt-in region)',
  OptInRequired: 'the region is not enabled for this account (opt-in region)',
  InvalidClientTokenId: 'the region may not be enabled for this account (opt-in region)',
};

/** The innermost error's message (the SDK's own words), without our wrapping. */
function rootMessage(error: unknown): string {
  const all = chain(error);
  return messageOf(all[all.length - 1] ?? error);
}

/** The failed operation named by an AwsCallError in the chain (shared/aws/batch.ts). */
function operationOf(error: unknown): string | undefined {
  for (const e of chain(error)) {
    const op = (e as { operation?: unknown }).operation;
    if (typeof op === 'string') return op;
  }
  return undefined;
}

export interface ErrorInfo {
  code?: string;
  operation?: string;
  /** The service's message. */
  message: string;
  /** What it probably means, when we know. */
  hint?: string;
}

/** Code, operation, message and a hint, for people. */
export function describeError(error: unknown): ErrorInfo {
  const code = awsCode(error);
  const info: ErrorInfo = { message: rootMessage(error) };
  if (code !== undefined) info.code = code;
  const operation = operationOf(error);
  if (operation !== undefined) info.operation = operation;
  const hint = code ? REGION_HINTS[code] ?? (PERMISSION_CODES.has(code) ? 'check the IAM permissions listed in the README' : undefined) : undefined;
  if (hint) info.hint = hint;
  return info;
}
