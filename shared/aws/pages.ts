/**
 * A listing read a page at a time, that degrades instead of failing: when a
 * page times out at the full page size (after the client's own retries, see
 * clients.ts), the same page is asked again, from the same NextToken, with
 * smaller pages — a fifth, then a twentieth of the full size, never below the
 * API's minimum — and the listing goes on at that size. A slow endpoint
 * answers a small page where a large one passes the request timeout
 * (IMDS_GUARD_REQUEST_TIMEOUT_MS). Each fallback is logged, counted and kept
 * for the run (shared/observability/degraded.ts).
 *
 * Unconfirmed: the EC2, Auto Scaling and Security Hub API references do not
 * say whether a NextToken may be sent with a different MaxResults than the
 * call that returned it; the AWS CLI's `--page-size` with `--starting-token`
 * relies on it. Should a service refuse it, the listing fails with that error.
 *
 * Only fetching a page is turned into an AwsCallError naming the operation;
 * what the caller does with a page (between yields) fails as itself.
 */
import type { Paginator } from '@smithy/types';
import { errorChain, errorCode, errorText } from '../errors.js';
import { recordDegradation } from '../observability/degraded.js';
import { AwsCallError } from './batch.js';

/** How much smaller each fallback page is than the full page. */
const FALLBACK_DIVISORS = [5, 20];

/** The page sizes a listing tries, largest first: the full size, a fifth, a twentieth, none below `minimum`. */
export function pageSizeLadder(full: number, minimum: number): number[] {
  const sizes = [full, ...FALLBACK_DIVISORS.map((d) => Math.max(minimum, Math.ceil(full / d)))];
  return sizes.filter((size, i) => i === 0 || size < (sizes[i - 1] as number));
}

/** A request that got no answer in time: the client's request timeout, or a service's own. */
export function timedOut(error: unknown): boolean {
  return errorChain(error).some((e) => {
    if (typeof e !== 'object' || e === null) return false;
    const code = errorCode(e);
    return (e as { name?: unknown }).name === 'TimeoutError' || code === 'RequestTimeout' || code === 'RequestTimeoutException';
  });
}

export interface Listing<Page, T> {
  operation: string;
  /** What is listed, for errors and logs (the page size is added). */
  detail: string;
  /** Page sizes to try, largest first (pageSizeLadder); empty for a call that takes no page size. */
  sizes: readonly number[];
  /** The SDK paginator at `pageSize`, starting at `startingToken` (from the start when undefined). */
  open(pageSize: number | undefined, startingToken: string | undefined): Paginator<Page>;
  /** The items of a page. */
  items(page: Page): T[] | undefined;
}

function nextTokenOf(page: unknown): string | undefined {
  const token = (page as { NextToken?: unknown } | undefined)?.NextToken;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

/** The items of each page of a listing; empty pages are skipped. */
export async function* pageItems<Page, T>(listing: Listing<Page, T>): AsyncGenerator<T[]> {
  let step = 0;
  let size = listing.sizes[0];
  let token: string | undefined;
  let pages = listing.open(size, undefined);
  for (;;) {
    let next;
    try {
      next = await pages.next();
    } catch (error) {
      const smaller = listing.sizes[step + 1];
      if (size === undefined || smaller === undefined || !timedOut(error)) {
        const tried = listing.sizes.slice(0, step + 1).join(' → ');
        throw new AwsCallError(listing.operation, tried ? `${listing.detail}, page size ${tried}` : listing.detail, error);
      }
      recordDegradation({ operation: listing.operation, detail: listing.detail, from: size, to: smaller, error: errorText(error, { hint: false }) });
      step += 1;
      size = smaller;
      // The page that timed out is asked again: `token` is the NextToken that led to it.
      pages = listing.open(size, token);
      continue;
    }
    if (next.done) return;
    token = nextTokenOf(next.value);
    const page = listing.items(next.value) ?? [];
    if (page.length > 0) yield page;
  }
}
