/** Fixture shape: the EventBridge documentation's example "EC2 Instance State-change Notification" event. */
import { describe, expect, it } from 'vitest';
import { parseStateChange } from '../../shared/refs/state-change.js';
import { OWN, fixture, ref } from './fixtures.js';

describe('EC2 state-change notifications', () => {
  it('running → the instance', () => {
    expect(parseStateChange(fixture('eventbridge/ec2-state-change-running.json'), OWN)).toEqual({
      ok: true,
      source: 'state-change',
      refs: [ref('instance', 'i-0abcd1111abcd1111')],
      rejected: [],
    });
  });

  it.each(['pending', 'stopped'])('%s is ignored with a reason', (state) => {
    expect(parseStateChange(fixture(`eventbridge/ec2-state-change-${state}.json`), OWN)).toEqual({
      ok: false,
      ignored: true,
      source: 'state-change',
      reason: `instance "i-0abcd1111abcd1111" is "${state}"; only running instances are checked`,
    });
  });

  it('rejects bad ids, other accounts and regions', () => {
    const event = fixture('eventbridge/ec2-state-change-running.json') as Record<string, any>;
    expect(parseStateChange({ ...event, detail: { ...event.detail, 'instance-id': 'i-123;rm' } }, OWN)).toMatchObject({
      ok: false,
      ignored: false,
      reason: `instance id "i-123;rm" is not 'i-' followed by 8 or 17 lowercase hex digits`,
    });
    expect(parseStateChange({ ...event, account: '999999999999' }, OWN)).toMatchObject({ ok: false, ignored: false });
    expect(parseStateChange({ ...event, region: 'us-west-2' }, OWN)).toMatchObject({
      ok: false,
      reason: `event region "us-west-2" is not this function's region us-east-1`,
    });
    expect(parseStateChange({ ...event, source: 'aws.custom' }, OWN)).toMatchObject({ ok: false, ignored: false });
    expect(parseStateChange({ ...event, detail: { state: 'running' } }, OWN)).toMatchObject({
      ok: false,
      reason: 'state-change event has no instance-id',
    });
  });
});
