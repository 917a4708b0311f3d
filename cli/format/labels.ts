import { describeKind } from '../../shared/kinds/registry.js';
import type { ResourceKind } from '../../shared/model.js';

/** A kind as a table column shows it. */
export function kindTitle(kind: ResourceKind): string {
  return describeKind(kind).words.column;
}

/** `arn:aws:iam::123:instance-profile/path/web` → `web`. */
export function profileName(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const at = arn.lastIndexOf('/');
  return at >= 0 ? arn.slice(at + 1) : arn;
}

export function plural(n: number, word: string, words = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : words}`;
}
