/**
 * Launches refused by IMDSv2 enforcement, read from real-shaped events
 * (test/fixtures/SOURCES.md), and the rules that deliver them: the failures
 * reach the watch, the rest does not, and the evaluation's rules still drop
 * failed calls.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventPatterns } from '../../../shared/refs/catalog.js';
import { isLaunchEvent, refusedLaunches, refusedLaunchPattern } from '../../../shared/watch/account/launches.js';
import { isEnforcementRefusal } from '../../../shared/watch/refusal.js';

const SCOPE = { account: '111122223333', region: 'us-east-1' };
const fixture = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'));

/**
 * The EventBridge pattern matching the rules use: value lists, `exists`,
 * `suffix`, `wildcard` (`*` only), `$or`, and arrays in the event (any element).
 */
function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(value) && !Array.isArray(pattern)) return value.some((v) => matches(pattern, v));
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.some((option) => {
      if (typeof option === 'object' && option !== null) {
        const o = option as { exists?: boolean; suffix?: string; wildcard?: string };
        if ('exists' in o) return o.exists === (value !== undefined);
        if (o.suffix !== undefined) return values.some((v) => typeof v === 'string' && v.endsWith(o.suffix!));
        if (o.wildcard !== undefined) {
          const re = new RegExp(`^${o.wildcard.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
          return values.some((v) => typeof v === 'string' && re.test(v));
        }
        throw new Error(`unsupported option ${JSON.stringify(option)}`);
      }
      return values.includes(option);
    });
  }
  if (typeof pattern === 'object' && pattern !== null) {
    return Object.entries(pattern).every(([key, p]) => {
      if (key === '$or') return (p as unknown[]).some((alternative) => matches(alternative, value));
      const child = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
      if (typeof p === 'object' && p !== null && !Array.isArray(p) && child === undefined) return false;
      return matches(p, child);
    });
  }
  throw new Error(`unsupported pattern ${JSON.stringify(pattern)}`);
}
const toWatch = (event: unknown) => matches(refusedLaunchPattern(), event);

const REFUSED = [
  'cloudtrail/RunInstances-refused-enforced-autoscaling.json',
  'cloudtrail/RunInstances-refused-enforced.json',
  'cloudtrail/CreateFleet-instant-refused-enforced.json',
  'eventbridge/autoscaling-launch-unsuccessful-enforced.json',
];

describe('refused launches', () => {
  it('Auto Scaling\'s RunInstances refused: the group, the template, the caller, the time and AWS\'s words', () => {
    const r = refusedLaunches(fixture(REFUSED[0]!), SCOPE);
    expect(r).toEqual({
      ok: true,
      launches: [
        {
          at: '2026-05-01T11:00:00Z',
          via: 'RunInstances',
          caller: "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling (Auto Scaling, on a group's behalf)",
          source: 'group web-asg, launch template lt-03a70e6a9f2f6657d (version 1)',
          error: expect.stringMatching(/^Client\.UnsupportedOperation: You can't launch instances with IMDSv1 because httpTokensEnforced is enabled/),
          eventId: '6a7e8feb-0000-4000-8000-000000000101',
        },
      ],
    });
  });

  it('a person\'s RunInstances from a template named by name', () => {
    const r = refusedLaunches(fixture(REFUSED[1]!), SCOPE);
    expect(r).toMatchObject({ ok: true, launches: [{ caller: 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/alice', source: 'launch template batch-template (version $Default)' }] });
  });

  it('an instant fleet that succeeded but lists refused launches: one per error', () => {
    const r = refusedLaunches(fixture(REFUSED[2]!), SCOPE);
    expect(r.ok && r.launches.map((l) => [l.via, l.source, l.eventId])).toEqual([
      ['CreateFleet', 'launch template lt-0abcd1234ef567890 (version 3)', '6a7e8feb-0000-4000-8000-000000000104#0'],
      ['CreateFleet', 'launch template lt-0abcd1234ef567890 (version 3)', '6a7e8feb-0000-4000-8000-000000000104#1'],
    ]);
  });

  it('an Auto Scaling launch failure quoting the refusal', () => {
    const r = refusedLaunches(fixture(REFUSED[3]!), SCOPE);
    expect(r).toMatchObject({ ok: true, launches: [{ via: 'Auto Scaling', caller: 'autoscaling.amazonaws.com', source: 'group web-asg', at: '2026-05-01T11:00:05Z' }] });
  });

  it('failures for other reasons, successes, and events of another account are not refusals', () => {
    for (const path of ['cloudtrail/RunInstances-failed-capacity.json', 'eventbridge/autoscaling-launch-unsuccessful-capacity.json', 'cloudtrail/RunInstances.json', 'cloudtrail/CreateFleet-instant-one.json']) {
      expect(refusedLaunches(fixture(path), SCOPE).ok, path).toBe(false);
    }
    expect(refusedLaunches(fixture(REFUSED[0]!), { ...SCOPE, account: '444455556666' })).toMatchObject({ ok: false, reason: expect.stringContaining("not this function's account") });
    for (const hostile of [null, 'x', [], { detail: 5 }, { 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName: 'RunInstances', errorCode: 7 } }]) {
      expect(refusedLaunches(hostile, SCOPE).ok).toBe(false);
    }
  });
});

describe('matching the refusal tolerantly', () => {
  it('the documented code and message, with or without CloudTrail\'s Client. prefix; the message alone; not other codes', () => {
    expect(isEnforcementRefusal('UnsupportedOperation', "You can't launch instances with IMDSv1 because httpTokensEnforced is enabled")).toBe(true);
    expect(isEnforcementRefusal('Client.UnsupportedOperation', 'IMDSv1 is not allowed here')).toBe(true);
    expect(isEnforcementRefusal(undefined, '... httpTokensEnforced is enabled for this account. Launching EC2 instance failed.')).toBe(true);
    expect(isEnforcementRefusal('Client.UnsupportedOperation', 'The instance type t1.micro is not supported in this Availability Zone.')).toBe(false);
    expect(isEnforcementRefusal('Client.UnauthorizedOperation', 'You are not authorized to perform this operation.')).toBe(false);
  });
});

describe('the rules', () => {
  it('deliver every refused launch to the watch, and neither successes nor other failures', () => {
    for (const path of REFUSED) {
      expect(toWatch(fixture(path)), path).toBe(true);
      expect(isLaunchEvent(fixture(path)), path).toBe(true);
    }
    expect(toWatch(fixture('cloudtrail/RunInstances.json'))).toBe(false);
    expect(toWatch(fixture('cloudtrail/RunInstances-failed-capacity.json'))).toBe(false);
    expect(toWatch(fixture('cloudtrail/CreateFleet-instant-one.json'))).toBe(false);
    // Auto Scaling's failures all go: its wording is read by the watch, which ignores the rest.
    expect(toWatch(fixture('eventbridge/autoscaling-launch-unsuccessful-capacity.json'))).toBe(true);
  });

  it('the evaluation\'s rules still drop the failed calls', () => {
    const failedCalls = ['cloudtrail/RunInstances-refused-enforced-autoscaling.json', 'cloudtrail/RunInstances-refused-enforced.json', 'cloudtrail/RunInstances-failed-capacity.json'];
    for (const path of failedCalls) {
      expect(eventPatterns().some((p) => matches(p, fixture(path))), path).toBe(false);
    }
  });
});
