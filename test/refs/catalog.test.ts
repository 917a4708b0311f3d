import { describe, expect, it } from 'vitest';
import { CLOUDTRAIL_DETAIL_TYPE, EVENT_CATALOG, eventPatterns } from '../../shared/refs/catalog.js';
import { parseEvent } from '../../shared/refs/parse.js';
import { OWN, fixture, fixtureNames } from './fixtures.js';

/** The subset of EventBridge pattern matching the generated patterns use: literal lists and {exists:false}. */
function matches(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((option) => {
      if (typeof option === 'object' && option !== null && 'exists' in option) {
        return (option as { exists: boolean }).exists === (event !== undefined);
      }
      return option === event;
    });
  }
  if (typeof pattern === 'object' && pattern !== null) {
    if (typeof event !== 'object' || event === null) {
      return Object.values(pattern).every((p) => Array.isArray(p) && p.some((o) => typeof o === 'object' && o !== null && (o as { exists?: boolean }).exists === false));
    }
    return Object.entries(pattern).every(([key, p]) => matches(p, (event as Record<string, unknown>)[key]));
  }
  throw new Error(`unsupported pattern ${JSON.stringify(pattern)}`);
}
const matchedBy = (event: unknown) => eventPatterns().some((p) => matches(p, event));

const cloudTrailFixtures = fixtureNames('cloudtrail');
const names = Object.keys(EVENT_CATALOG);

describe('event catalog', () => {
  it('has the expected rows', () => {
    expect(names.sort()).toEqual([
      'CreateAutoScalingGroup',
      'CreateFleet',
      'CreateLaunchConfiguration',
      'CreateLaunchTemplate',
      'CreateLaunchTemplateVersion',
      'ModifyInstanceMetadataDefaults',
      'ModifyInstanceMetadataOptions',
      'ModifyLaunchTemplate',
      'RunInstances',
      'UpdateAutoScalingGroup',
    ]);
  });

  it.each(names)('%s has a fixture that parses to at least one ref', (name) => {
    const files = cloudTrailFixtures.filter((f) => f === `${name}.json` || f.startsWith(`${name}-`));
    expect(files.length).toBeGreaterThan(0);
    const parsed = files.map((f) => parseEvent(fixture(`cloudtrail/${f}`), OWN)).filter((r) => r.ok);
    expect(parsed.some((r) => r.ok && r.refs.length > 0)).toBe(true);
  });

  it('every fixture is named after a catalog event', () => {
    for (const file of cloudTrailFixtures) expect(names).toContain(file.replace(/(-.*)?\.json$/, ''));
  });
});

describe('eventPatterns()', () => {
  it('covers every catalog event name exactly once, under its own source', () => {
    const cloudTrail = eventPatterns().filter((p) => (p['detail-type'] as string[])[0] === CLOUDTRAIL_DETAIL_TYPE);
    const covered = cloudTrail.flatMap((p) => (p.detail as { eventName: string[] }).eventName);
    expect(covered.sort()).toEqual([...names].sort());
    expect(cloudTrail.map((p) => p.source)).toEqual([['aws.ec2'], ['aws.autoscaling']]);
  });

  it.each(cloudTrailFixtures)('matches successful call %s', (file) => {
    const event = fixture(`cloudtrail/${file}`);
    const failed = Object.hasOwn(event.detail as object, 'errorCode');
    expect(matchedBy(event)).toBe(!failed);
  });

  it('does not match failed calls, other events or non-running state changes', () => {
    expect(matchedBy(fixture('cloudtrail/ModifyInstanceMetadataOptions-error.json'))).toBe(false);
    const other = fixture('cloudtrail/RunInstances.json') as Record<string, any>;
    expect(matchedBy({ ...other, detail: { ...other.detail, eventName: 'TerminateInstances' } })).toBe(false);
    expect(matchedBy({ ...other, source: 'aws.autoscaling' })).toBe(false);
    expect(matchedBy(fixture('eventbridge/ec2-state-change-running.json'))).toBe(true);
    expect(matchedBy(fixture('eventbridge/ec2-state-change-pending.json'))).toBe(false);
    expect(matchedBy(fixture('eventbridge/ec2-state-change-stopped.json'))).toBe(false);
  });
});
