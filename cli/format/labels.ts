import { describeKind } from '../../shared/kinds/registry.js';
import type { ResourceKind } from '../../shared/model.js';

/** A kind as a table column shows it. */
export function kindTitle(kind: ResourceKind): string {
  return describeKind(kind).words.column;
}

/** Whether a row's Auto Scaling groups launch from the resource (a template, a configuration) rather than hold it (an instance's own group). */
export function groupsUseIt(kind: ResourceKind): boolean {
  return describeKind(kind).usedBy !== undefined;
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
