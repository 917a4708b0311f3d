/**
 * One kind's failure is that kind's alone: a run that lists every kind (the
 * sweep, the Config rule's periodic run) reads each through `readKind`, which
 * turns a failed listing into a recorded, logged and counted (`KindsUnread`)
 * unread kind instead of an error that ends the run; the run then fails only
 * when it could read no kind at all.
 */
import { ImdsGuardError, errorText } from '../errors.js';
import { KIND_NAMES } from '../kinds/registry.js';
import type { ResourceKind } from '../model.js';
import { errorFields, logger } from '../observability/log.js';
import { count } from '../observability/metrics.js';

/** A kind a run could not (fully) read, and why. */
export interface UnreadKind {
  kind: ResourceKind;
  /** The call that failed, when known (`GetInstanceMetadataDefaults`, …). */
  operation?: string;
  error: string;
}

/** A run that could read no kind at all: nothing it publishes would mean anything. */
export class NothingReadError extends ImdsGuardError {
  override name = 'NothingReadError';
  constructor(readonly unread: readonly UnreadKind[], cause: unknown) {
    super(`no resource kind could be read: ${unread.map((u) => `${u.kind} (${u.error})`).join('; ')}`, { cause });
  }
}

/**
 * The pages of one kind; a failure to list it is recorded in `unread` (logged,
 * counted) and ends that kind only. The consumer's own errors are not caught:
 * they do not pass through here.
 */
export async function* readKind<T>(kind: ResourceKind, pages: AsyncIterable<T>, unread: UnreadKind[], errors: unknown[] = []): AsyncGenerator<T> {
  try {
    for await (const page of pages) yield page;
  } catch (error) {
    const fields = errorFields(error);
    const operation = typeof fields.operation === 'string' ? fields.operation : undefined;
    unread.push({ kind, ...(operation ? { operation } : {}), error: errorText(error, { hint: false }) });
    errors.push(error);
    logger.error('could not list a kind; its findings are left as they are and the other kinds go on', { kind, ...fields });
    count('KindsUnread', 1, { name: 'kind', value: kind });
  }
}

/** Throws when no kind at all could be read (every listing failed). */
export function failIfNothingRead(unread: readonly UnreadKind[], errors: readonly unknown[], kinds: readonly ResourceKind[] = KIND_NAMES): void {
  if (kinds.length > 0 && kinds.every((k) => unread.some((u) => u.kind === k))) throw new NothingReadError(unread, errors[0]);
}
