import type { ResourceKind } from '../../shared/model.js';

export const KIND_TITLES: Record<ResourceKind, string> = {
  instance: 'instances',
  'launch-template': 'launch templates',
  'launch-configuration': 'launch configs',
  'account-defaults': 'account default',
};

/** `arn:aws:iam::123:instance-profile/path/web` → `web`. */
export function profileName(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const at = arn.lastIndexOf('/');
  return at >= 0 ? arn.slice(at + 1) : arn;
}

export function plural(n: number, word: string, words = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : words}`;
}
