/**
 * Exemptions, in one place: evaluate (NOT_APPLICABLE), decide (the exempt
 * gate) and the CLI's readiness label all ask the same question. PURE: the
 * caller passes `now` (an exemption can expire).
 *
 * Where an exemption comes from, per kind:
 * - every kind whose description has `tags` (instances, launch templates,
 *   Auto Scaling groups): the exemption tag (IMDS_GUARD_EXEMPT_TAG);
 * - a kind without tags: the setting its description names
 *   (`exemptionSetting`): launch configurations by name in
 *   IMDS_GUARD_EXEMPT_LAUNCH_CONFIGURATIONS, the account default by Region in
 *   IMDS_GUARD_EXEMPT_ACCOUNT_DEFAULT_REGIONS.
 * A setting is audited where the deployment is (stack parameters); a tag in
 * CloudTrail (CreateTags) and on the resource.
 *
 * Tag value grammar (case of keys matters, spaces around parts are ignored):
 *
 *   value   = "true" | "false" | "" | text-without-"=" | pair *(";" pair)
 *   pair    = key "=" non-empty text
 *   key     = "reason" | "owner" | "until"        (each at most once)
 *   until   = YYYY-MM-DD, a real calendar date; exempt through that day (UTC)
 *
 * `false` (any case) is no exemption. `true`, an empty value and plain text
 * (read as the reason; values written before the grammar existed) exempt
 * without end. An unknown key, a repeated key, an empty value or a date that
 * is not a date makes the value malformed: it does not exempt, and the
 * finding says why. A past `until` no longer exempts, and the finding says
 * it expired.
 */
import { describeKind } from '../kinds/registry.js';
import type { Subject } from '../kinds/subject.js';
import { SETTINGS, type Policy } from '../policy.js';

/** The settings an exemption is read from. */
export type ExemptionSettings = Pick<Policy, 'exemptTagKey' | 'exemptLaunchConfigurations' | 'exemptAccountDefaultRegions'>;

export type ExemptionStatus =
  | { status: 'none' }
  | { status: 'exempt'; source: string; value: string; reason?: string; owner?: string; until?: string }
  | { status: 'expired'; source: string; value: string; until: string; reason?: string; owner?: string }
  | { status: 'malformed'; source: string; value: string; problem: string };

const KEYS = ['reason', 'owner', 'until'] as const;
type Key = (typeof KEYS)[number];
const DAY_MS = 86_400_000;

/** A `YYYY-MM-DD` that names a real day, as the UTC midnight that starts it. */
export function parseDay(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  // Date.UTC rolls a day the month does not have into another month (02-30 is 03-02, 00 the previous
  // month's last), a month past 12 into another year, and reads a year below 100 as 19xx: the day is
  // real when its year and month read back unchanged (a day number can never roll back into its month).
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 ? date : undefined;
}

/** Parses one exemption value (from a tag or a setting). */
export function parseExemption(raw: string, source: string, now: Date): ExemptionStatus {
  const value = raw.trim();
  const lower = value.toLowerCase();
  if (lower === 'false') return { status: 'none' };
  if (lower === 'true' || value === '') return { status: 'exempt', source, value: raw };
  if (!value.includes('=')) return { status: 'exempt', source, value: raw, reason: value };

  const fields: Partial<Record<Key, string>> = {};
  for (const part of value.split(';').map((p) => p.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    // part is trimmed already; a key or text around '=' is trimmed here.
    const [key, text] = eq < 0 ? [part, ''] : [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
    const malformed = (problem: string): ExemptionStatus => ({ status: 'malformed', source, value: raw, problem });
    if (!(KEYS as readonly string[]).includes(key)) return malformed(`unknown key ${JSON.stringify(key)} (use reason, owner, until)`);
    if (fields[key as Key] !== undefined) return malformed(`${key} is given twice`);
    if (text === '') return malformed(`${key} has no value`);
    if (key === 'until' && !parseDay(text)) return malformed(`until=${JSON.stringify(text)} is not a date (YYYY-MM-DD)`);
    fields[key as Key] = text;
  }
  // `fields` holds only the keys that were given: reason and owner, when given, describe the exemption.
  const { until, ...described } = fields;
  if (until !== undefined) {
    const end = parseDay(until)!.getTime() + DAY_MS; // exempt through the whole day
    if (now.getTime() >= end) return { status: 'expired', source, value: raw, until, ...described };
    return { status: 'exempt', source, value: raw, until, ...described };
  }
  return { status: 'exempt', source, value: raw, ...described };
}

/** The exemption that applies to a subject, if any (see the header for where each kind's comes from). */
export function exemptionStatus(subject: Subject, policy: ExemptionSettings, now: Date): ExemptionStatus {
  if (subject.kind === 'missing') return { status: 'none' };
  const description = describeKind(subject.kind);
  // Every kind with tags (instances, launch templates, Auto Scaling groups, …) is exempted by the tag.
  const tags = description.tags?.(subject);
  if (tags !== undefined) {
    const key = policy.exemptTagKey;
    if (!Object.prototype.hasOwnProperty.call(tags, key)) return { status: 'none' };
    return parseExemption(tags[key]!, `tagged ${key}`, now);
  }
  // Kinds without tags are exempted by the setting their description names.
  const by = description.exemptionSetting;
  if (by === undefined) return { status: 'none' };
  const value = by.value(subject);
  return policy[by.setting].includes(value) ? { status: 'exempt', source: `listed in ${SETTINGS[by.setting]}`, value } : { status: 'none' };
}

/** One sentence for a finding or a gate, about an exemption that is there (a gate words its absence itself). */
export function describeExemption(e: Exclude<ExemptionStatus, { status: 'none' }>): string {
  switch (e.status) {
    case 'exempt': {
      const parts = [
        e.reason !== undefined ? `reason: ${e.reason}` : undefined,
        e.owner !== undefined ? `owner: ${e.owner}` : undefined,
        e.until !== undefined ? `until ${e.until}` : 'no end date',
      ].filter(Boolean);
      const tagged = e.source.startsWith('tagged ') ? `=${e.value}` : '';
      return `Exempt: ${e.source}${tagged} (${parts.join('; ')})`;
    }
    case 'expired':
      return `Exemption expired on ${e.until} (${e.source}${e.owner !== undefined ? `, owner: ${e.owner}` : ''}): no longer exempt`;
    case 'malformed':
      return `Exemption value ${JSON.stringify(e.value)} (${e.source}) is malformed: ${e.problem}; not exempt`;
  }
}

