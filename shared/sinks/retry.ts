/**
 * Retry helpers shared by the sinks: which errors are worth another try, and
 * a bounded exponential backoff with jitter. The SDK already retries
 * throttling inside one call (maxAttempts in shared/aws/clients.ts); these
 * cover what the SDK cannot: partial failures reported in a 200 response
 * (FailedFindings, FailedEvaluations, UnprocessedFindings) and a call that
 * still fails after the SDK gave up.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { SdkError } from '@smithy/types';
import { errorCode, errorText } from '../errors.js';
import { errorFields, logger } from '../observability/log.js';

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

/**
 * Throttling, a transient error (timeout, connection reset, 502/503/504) or
 * another 5xx: worth another try after a pause. The SDK's own classification
 * (the one its retry strategy uses), so the sinks and the SDK agree.
 */
export function isRetryableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkError;
  // A timeout already had its bounded tries inside the SDK (shared/aws/clients.ts
  // TIMEOUT_ATTEMPTS); trying it again here would multiply a silent endpoint's cost.
  if (e.name === 'TimeoutError') return false;
  return isThrottlingError(e) || isTransientError(e) || isServerError(e);
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

/** `Code: message`, as people read it (shared/errors.ts). */
export const messageOf = (error: unknown): string => errorText(error, { hint: false });

/** One item a batch call reported as not done. */
export interface ItemFailure<T> {
  id: string;
  /** The item to send again; undefined when the reply does not say which. */
  item: T | undefined;
  /** `CODE: message`, as the service reported it. */
  error: string;
  retryable: boolean;
}

export interface BatchCall<T> {
  /** The API operation, for logs. */
  what: string;
  retry: Retrier;
  idOf: (item: T) => string;
  /** Sends the items and returns those the reply lists as failed. */
  send: (pending: T[]) => Promise<ItemFailure<T>[]>;
  /**
   * A reason when this error means no later call can succeed (Security Hub
   * not enabled, an invalid result token); the sender then fails every item
   * left, in this batch and the next, without calling again.
   */
  fatal: (code: string | undefined, message: string) => string | undefined;
  /** Shared by the batches of one publish: set by the first fatal error. */
  stopped: { reason?: string };
}

/**
 * Sends one batch, retrying the items the reply lists as failed and the
 * call errors worth another try, with backoff, `retry.maxAttempts` times;
 * what still fails goes into `result.failed` with the error. Never throws.
 */
export async function sendWithRetries<T>(call: BatchCall<T>, batch: T[], result: { published: number; failed: { id: string; error: string }[] }): Promise<void> {
  const { retry, idOf, stopped } = call;
  let pending = batch;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (stopped.reason !== undefined) {
      result.failed.push(...pending.map((item) => ({ id: idOf(item), error: stopped.reason as string })));
      return;
    }
    const last = attempt >= retry.maxAttempts;
    let failures: ItemFailure<T>[];
    try {
      failures = await call.send(pending);
    } catch (error) {
      const message = messageOf(error);
      const reason = call.fatal(errorCode(error), message);
      if (reason !== undefined) {
        stopped.reason = reason;
        continue; // fails the pending items above
      }
      if (isRetryableError(error) && !last) {
        await retry.backoff(attempt);
        continue;
      }
      logger.error(`${call.what} failed`, { ...errorFields(error), items: pending.length, attempt });
      result.failed.push(...pending.map((item) => ({ id: idOf(item), error: message })));
      return;
    }
    const failedIds = new Set(failures.map((f) => f.id));
    result.published += pending.filter((item) => !failedIds.has(idOf(item))).length;
    const again: T[] = [];
    for (const failure of failures) {
      const [code, ...rest] = failure.error.split(': ');
      const reason = call.fatal(code, rest.join(': '));
      if (reason !== undefined) {
        stopped.reason = reason;
        result.failed.push({ id: failure.id, error: failure.error });
      } else if (failure.item !== undefined && failure.retryable && !last) {
        again.push(failure.item);
      } else {
        result.failed.push({ id: failure.id, error: last && failure.retryable ? `${failure.error} (after ${attempt} attempts)` : failure.error });
      }
    }
    pending = again;
    if (pending.length > 0) await retry.backoff(attempt);
  }
}
