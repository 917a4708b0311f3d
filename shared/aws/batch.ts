/**
 * Batching helpers for the describe adapters: chunking to API limits, a small
 * concurrency cap, AWS error codes, and "one bad id fails the whole call"
 * survival (drop the ids the error names, else bisect).
 *
 * Throttling and 5xx are NOT retried here: the SDK's own retry strategy
 * (maxAttempts in clients.ts) does that.
 */
import type { Command } from '@smithy/types';
import { errorCode, errorText, ImdsGuardError } from '../errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the paginators' own type for withCommand
type AnyCommand = Command<any, any, any, any, any>;

/**
 * `withCommand` for the SDK paginators: the paginator sends every page with
 * one input object whose NextToken it overwrites; a copy per page keeps each
 * command's input as it was sent (what tests and logs read afterwards).
 */
export function ownInput(command: AnyCommand): AnyCommand {
  const Ctor = command.constructor as new (input: unknown) => AnyCommand;
  return new Ctor({ ...(command.input as object) });
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Maps with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

export { errorCode };

/** The raw message, where EC2 names the ids it does not know (not for people: see shared/errors.ts). */
function rawMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}

/** A failed AWS call that is not "not found": says which call, on what, and why; keeps the SDK error as `cause`. */
export class AwsCallError extends ImdsGuardError {
  override name = 'AwsCallError';
  readonly operation: string;
  readonly code: string | undefined;
  constructor(operation: string, detail: string, cause: unknown) {
    const code = errorCode(cause);
    super(`${operation} (${detail}) failed: ${errorText(cause, { where: false, hint: false })}`, { cause });
    this.operation = operation;
    this.code = code;
  }
}

const BOUNDARY_BEFORE = /[\s'",:([]/;
const BOUNDARY_AFTER = /[\s'",)\]]/;

/**
 * Which of `ids` an error message names. EC2 names the culprits, e.g.
 * `The instance IDs 'i-1, i-2' do not exist`, `Invalid id: "foo"`,
 * `The specified launch template, with template ID lt-1, does not exist.`
 * An id counts only as a whole token, so `i-1` is not found inside `i-10`.
 */
export function idsNamedIn(message: string, ids: readonly string[]): string[] {
  const named: string[] = [];
  for (const id of ids) {
    if (id === '') continue;
    let from = 0;
    for (;;) {
      const at = message.indexOf(id, from);
      if (at < 0) break;
      const before = at === 0 ? '' : message.charAt(at - 1);
      const end = at + id.length;
      const after = message.charAt(end);
      const okBefore = before === '' || BOUNDARY_BEFORE.test(before);
      // A trailing full stop ends the sentence only when nothing but space follows it.
      const okAfter = after === '' || BOUNDARY_AFTER.test(after) || (after === '.' && /^\.(\s|$)/.test(message.slice(end)));
      if (okBefore && okAfter) {
        named.push(id);
        break;
      }
      from = at + 1;
    }
  }
  return named;
}

export interface SurvivedBatch<T> {
  items: T[];
  /** Ids the service reported as not found (or malformed), so known to be gone. */
  missing: string[];
}

/**
 * Runs `call` on `ids`; when it fails with one of `notFoundCodes`, drops the
 * ids the error message names and retries the rest, and when the message
 * names none of them, bisects. A single id that still fails is missing.
 * Any other error propagates.
 */
export async function describeSurvivingMissing<T>(
  ids: readonly string[],
  notFoundCodes: ReadonlySet<string>,
  call: (ids: string[]) => Promise<T[]>,
): Promise<SurvivedBatch<T>> {
  const items: T[] = [];
  const missing: string[] = [];
  const run = async (batch: string[]): Promise<void> => {
    if (batch.length === 0) return;
    try {
      items.push(...(await call(batch)));
      return;
    } catch (error) {
      const code = errorCode(error);
      if (code === undefined || !notFoundCodes.has(code)) throw error;
      const named = new Set(idsNamedIn(rawMessage(error), batch));
      if (named.size > 0) {
        missing.push(...batch.filter((id) => named.has(id)));
        await run(batch.filter((id) => !named.has(id)));
        return;
      }
      if (batch.length === 1) {
        missing.push(...batch);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await run(batch.slice(0, half));
      await run(batch.slice(half));
    }
  };
  await run([...ids]);
  return { items, missing };
}
