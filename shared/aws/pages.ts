/**
 * A listing read a page at a time, that degrades instead of failing: when a
 * page times out at the full page size, the same page is asked again, from
 * the same NextToken, with smaller pages — a fifth, then a twentieth of the full size, never below the
 * API's minimum — and the listing goes on at that size. A slow endpoint
 * answers a small page where a large one passes the request timeout
 * (IMDS_GUARD_REQUEST_TIMEOUT_MS). While a smaller size is left and the
 * current size has not been answered yet, a timed-out page is not tried again
 * at the same size (clients.ts tries a timed-out call up to 3 times
 * otherwise): the smaller page is the better retry. A size that has been
 * answered gets the usual tries first (its timeout is more likely a passing
 * slowness than its size). Each fallback is logged, counted and kept
 * for the run (shared/observability/degraded.ts), and the run's later
 * listings of the same operation start at the size it fell back to.
 *
 * Unconfirmed: the EC2, Auto Scaling and Security Hub API references do not
 * say whether a NextToken may be sent with a different MaxResults than the
 * call that returned it; the AWS CLI's `--page-size` with `--starting-token`
 * relies on it. Should a service refuse it, the listing fails with that error.
 *
 * Only fetching a page is turned into an AwsCallError naming the operation;
 * what the caller does with a page (between yields) fails as itself.
 */
import type { FinalizeRequestMiddleware, Paginator } from '@smithy/types';
import { errorChain, errorCode, errorText } from '../errors.js';
import { recordDegradation, rememberedPageSize } from '../observability/degraded.js';
import { AwsCallError, ownInput } from './batch.js';

/** Set on an error of a listing page that has a smaller size left to try; clients.ts then does not retry a timeout. */
const SMALLER_PAGE_NEXT = '$smallerPageNext';

/** Whether a timed-out call is a listing page that will be asked again smaller (so not worth retrying as it is). */
export function smallerPageNext(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<string, unknown>)[SMALLER_PAGE_NEXT] === true;
}

type Command = Parameters<typeof ownInput>[0];

/** `withCommand` for a page that has a smaller size left: its errors are marked on their way to the retry middleware. */
export function degradable(command: Command): Command {
  const copy = ownInput(command);
  const mark: FinalizeRequestMiddleware<object, object> = (next) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (typeof error === 'object' && error !== null) Object.assign(error, { [SMALLER_PAGE_NEXT]: true });
      throw error;
    }
  };
  copy.middlewareStack.add(
    mark,
    // Inside the retry middleware (finalizeRequest, high): it sees the mark on each attempt's error.
    { step: 'finalizeRequest', name: 'imdsGuardSmallerPageNext', priority: 'low', override: true },
  );
  return copy;
}

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
  /**
   * The SDK paginator at `pageSize`, starting at `startingToken` (from the
   * start when undefined). Give it a fresh input object each time: the SDK
   * paginator writes NextToken and MaxResults into the input it is given and
   * keeps a MaxResults it finds there.
   */
  open(pageSize: number | undefined, startingToken: string | undefined, withCommand: (command: Command) => Command): Paginator<Page>;
  /** The items of a page. */
  items(page: Page): T[] | undefined;
}

function nextTokenOf(page: unknown): string | undefined {
  const token = (page as { NextToken?: unknown } | undefined)?.NextToken;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

/** Where in `sizes` a listing of `operation` starts: at the size this run already fell back to, if it did. */
export function startingStep(sizes: readonly number[], operation: string): number {
  const remembered = rememberedPageSize(operation);
  if (remembered === undefined) return 0;
  const at = sizes.findIndex((s) => s <= remembered);
  return at < 0 ? Math.max(0, sizes.length - 1) : at;
}

/** The items of each page of a listing; empty pages are skipped. */
export async function* pageItems<Page, T>(listing: Listing<Page, T>): AsyncGenerator<T[]> {
  const first = startingStep(listing.sizes, listing.operation);
  let step = first;
  let size = listing.sizes[step];
  let token: string | undefined;
  /** Whether a page at the current size has been answered. */
  let answered = false;
  // Called by the paginator for each page it sends, so it reads the state of that moment.
  const withCommand = (command: Command): Command => (listing.sizes[step + 1] !== undefined && !answered ? degradable(command) : ownInput(command));
  let pages = listing.open(size, undefined, withCommand);
  for (;;) {
    let next;
    try {
      next = await pages.next();
    } catch (error) {
      const smaller = listing.sizes[step + 1];
      if (size === undefined || smaller === undefined || !timedOut(error)) {
        const tried = listing.sizes.slice(first, step + 1).join(' → ');
        throw new AwsCallError(listing.operation, tried ? `${listing.detail}, page size ${tried}` : listing.detail, error);
      }
      recordDegradation({ operation: listing.operation, detail: listing.detail, from: size, to: smaller, error: errorText(error, { hint: false }) });
      step += 1;
      size = smaller;
      answered = false;
      // The page that timed out is asked again: `token` is the NextToken that led to it.
      pages = listing.open(size, token, withCommand);
      continue;
    }
    answered = true;
    if (next.done) return;
    token = nextTokenOf(next.value);
    const page = listing.items(next.value) ?? [];
    if (page.length > 0) yield page;
  }
}
