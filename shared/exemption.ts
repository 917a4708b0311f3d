/**
 * The exemption tag, in one place: evaluate (NOT_APPLICABLE), decide (the
 * exempt gate) and the CLI's readiness label all ask the same question.
 */
import type { Subject } from './model.js';

/**
 * The tag's value when the subject is exempt: the tag is present with any
 * value except `false` (any case). Only instances and launch templates carry
 * tags; launch configurations and account defaults are never exempt.
 */
export function exemptionOf(subject: Subject, tagKey: string): string | undefined {
  if (subject.kind !== 'instance' && subject.kind !== 'launch-template') return undefined;
  const tags = subject.tags;
  if (!Object.prototype.hasOwnProperty.call(tags, tagKey)) return undefined;
  const value = tags[tagKey] ?? '';
  return value.trim().toLowerCase() === 'false' ? undefined : value;
}
