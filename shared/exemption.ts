/**
 * The exemption tag, in one place: evaluate (NOT_APPLICABLE), decide (the
 * exempt gate) and the CLI's readiness label all ask the same question.
 */
import { describeKind } from './kinds/registry.js';
import type { Subject } from './model.js';

/**
 * The tag's value when the subject is exempt: the tag is present with any
 * value except `false` (any case). Only kinds that carry tags can be exempt
 * this way (their description has `tags`).
 */
export function exemptionOf(subject: Subject, tagKey: string): string | undefined {
  if (subject.kind === 'missing') return undefined;
  const tags = describeKind(subject.kind).tags?.(subject);
  if (tags === undefined) return undefined;
  if (!Object.prototype.hasOwnProperty.call(tags, tagKey)) return undefined;
  const value = tags[tagKey] ?? '';
  return value.trim().toLowerCase() === 'false' ? undefined : value;
}
