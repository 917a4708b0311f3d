/**
 * Region errors for people: errors with the same code are said once, with
 * every operation and scope they hit ("UnauthorizedOperation on
 * DescribeInstances, GetInstanceMetadataDefaults: …"). The parts of each
 * error come from shared/errors.ts describeError, like everywhere else.
 */
import type { RegionError } from '../engine.js';

export interface ErrorGroup {
  code?: string;
  message: string;
  hint?: string;
  where: string[];
}

export function groupErrors(errors: readonly RegionError[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const e of errors) {
    const key = `${e.code ?? ''}\u0000${e.code ? '' : e.message}`;
    const group = groups.get(key) ?? { ...(e.code ? { code: e.code } : {}), message: e.message, ...(e.hint ? { hint: e.hint } : {}), where: [] };
    const call = [e.service, e.operation].filter(Boolean).join(' ');
    const where = call ? `${call} (${e.scope})` : e.scope;
    if (!group.where.includes(where)) group.where.push(where);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export function errorText(g: ErrorGroup): string {
  return `${g.code ? `${g.code} ` : ''}on ${g.where.join(', ')}: ${g.message}${g.hint ? ` (${g.hint})` : ''}`;
}
