/**
 * Retry helpers shared by the sinks: which errors are worth another try, and
 * a bounded exponential backoff with jitter. The SDK already retries
 * throttling inside one call (maxAttempts in shared/aws/clients.ts); these
 * cover what the SDK cannot: partial failures reported in a 200 response
 * (FailedFindings, FailedEvaluations, UnprocessedFindings) and a call that
 * still fails after the SDK gave up.
 */
import { errorCode } from '../aws/batch.js';

export interface RetryOptions {
  /** Attempts per batch, the first included. Default 5. */
  maxAttempts?: number;
  /** First backoff in milliseconds; doubles per attempt, capped at 8 s, with jitter. Default 250. */
  baseDelayMs?: number;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected in tests (0..1). */
  random?: () => number;
}

export interface Retrier {
  maxAttempts: number;
  /** Waits before attempt `attempt + 1` (attempt counts from 1). */
  backoff(attempt: number): Promise<void>;
}

const MAX_DELAY_MS = 8_000;

export function retrier(options: RetryOptions = {}): Retrier {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const base = options.baseDelayMs ?? 250;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  return {
    maxAttempts,
    backoff: (attempt) => sleep(Math.round(Math.min(MAX_DELAY_MS, base * 2 ** (attempt - 1)) * (0.5 + random() / 2))),
  };
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);

/** Throttling, a 429 or a 5xx: worth another try after a pause. */
export function isRetryableError(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && THROTTLING.has(code)) return true;
  const e = error as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown } | null;
  const status = e?.$metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  if (e && typeof e === 'object' && e.$retryable) return true;
  return code === 'InternalException' || code === 'InternalServerError' || code === 'ServiceUnavailableException';
}

/** Per-item error codes that another try will not fix. */
const PERMANENT_ITEM_CODES = new Set([
  'InvalidInput',
  'InvalidInputException',
  'ValidationException',
  'InvalidAccess',
  'InvalidAccessException',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidParameterValueException',
]);

export function isRetryableItemCode(code: string | undefined): boolean {
  return code === undefined || !PERMANENT_ITEM_CODES.has(code);
}

export function messageOf(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}
