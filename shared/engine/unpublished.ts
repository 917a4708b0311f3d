/**
 * A run whose findings or evaluations could not all be published fails, so the event is retried (after the other resources were handled).
 */
import type { PublishResult } from './ports.js';
import { ImdsGuardError } from '../errors.js';

export class PublishError extends ImdsGuardError {
  override name = 'PublishError';
  constructor(readonly failed: PublishResult['failed']) {
    const shown = failed.slice(0, 10).map((f) => `${f.id}: ${f.error}`).join('; ');
    super(`${failed.length} item(s) could not be published: ${shown}${failed.length > 10 ? '; …' : ''}`);
  }
}

/** Throws when something could be published but was not (a sink that is switched off is logged, not retried). */
export function failIfUnpublished(...results: (PublishResult | undefined)[]): void {
  const failed = results.filter((r) => r?.unavailable === undefined).flatMap((r) => r?.failed ?? []);
  if (failed.length > 0) throw new PublishError(failed);
}
