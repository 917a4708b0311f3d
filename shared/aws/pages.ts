/**
 * A listing paginator read a page at a time. Only fetching a page is turned
 * into an AwsCallError naming the operation; what the caller does with a page
 * (between yields) fails as itself.
 */
import type { Paginator } from '@smithy/types';
import { AwsCallError } from './batch.js';

/** The items of each page (`items` picks them from the SDK output); empty pages are skipped. */
export async function* pageItems<Page, T>(
  pages: Paginator<Page>,
  items: (page: Page) => T[] | undefined,
  operation: string,
  detail: string,
): AsyncGenerator<T[]> {
  for (;;) {
    let next;
    try {
      next = await pages.next();
    } catch (error) {
      throw new AwsCallError(operation, detail, error);
    }
    if (next.done) return;
    const page = items(next.value) ?? [];
    if (page.length > 0) yield page;
  }
}
