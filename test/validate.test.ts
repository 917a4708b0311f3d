import { validateRefId } from '../shared/kinds/registry.js';
import { describe, expect, it } from 'vitest';
import { launchConfigurationNameFromArn, validateLaunchConfigurationName } from '../shared/kinds/launch-configuration/id.js';
import { validateAccountId, validateRegion } from '../shared/validate.js';
import { validateInstanceId } from '../shared/kinds/instance/id.js';
import { validateLaunchTemplateId, validateLaunchTemplateName, validateLaunchTemplateRef } from '../shared/kinds/launch-template/id.js';

const ok = (v: string) => ({ ok: true, value: v });

describe('instance ids', () => {
  it.each(['i-0abc1234', 'i-0123456789abcdef0'])('accepts %s', (id) => expect(validateInstanceId(id)).toEqual(ok(id)));
  it.each(['i-123;rm', 'i-0123456789ABCDEF0', 'i-0123456789abcdef', 'i-0123456789abcdef01', 'i-abc', ' i-0abc1234', 'i-0abc1234\n', 'lt-0abc1234'])(
    'rejects %j with a reason',
    (id) => {
      const result = validateInstanceId(id);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toContain('instance id');
    },
  );
  it('rejects non-strings', () => {
    expect(validateInstanceId(12345678)).toEqual({ ok: false, reason: 'instance id must be a string, got 12345678' });
  });
  it('quotes the bad value in the reason', () => {
    expect(validateInstanceId('i-123;rm')).toEqual({
      ok: false,
      reason: `instance id "i-123;rm" is not 'i-' followed by 8 or 17 lowercase hex digits`,
    });
  });
});

describe('launch templates', () => {
  it('ids are lt- and 17 hex digits', () => {
    expect(validateLaunchTemplateId('lt-09bcb085b7dc5d962')).toEqual(ok('lt-09bcb085b7dc5d962'));
    expect(validateLaunchTemplateId('lt-09bcb085b7dc5d96').ok).toBe(false);
    expect(validateLaunchTemplateId('lt-09bcb085b7dc5d962;x').ok).toBe(false);
  });
  it('names are 3-128 of [a-zA-Z0-9().-/_]', () => {
    expect(validateLaunchTemplateName('web-template')).toEqual(ok('web-template'));
    expect(validateLaunchTemplateName('a/b_(c).d-e')).toEqual(ok('a/b_(c).d-e'));
    expect(validateLaunchTemplateName('ab').ok).toBe(false);
    expect(validateLaunchTemplateName('x'.repeat(129)).ok).toBe(false);
    expect(validateLaunchTemplateName('web template').ok).toBe(false);
    expect(validateLaunchTemplateName('web;rm -rf').ok).toBe(false);
  });
  it('a ref is an id or a name', () => {
    expect(validateLaunchTemplateRef('lt-09bcb085b7dc5d962')).toEqual(ok('lt-09bcb085b7dc5d962'));
    expect(validateLaunchTemplateRef('web-template')).toEqual(ok('web-template'));
    expect(validateLaunchTemplateRef('$(reboot)')).toEqual({
      ok: false,
      reason: `launch template "$(reboot)" is neither an 'lt-' id nor a valid launch template name`,
    });
  });
});

describe('launch configuration names', () => {
  it.each(['legacy-web-lc-v7', 'a', 'EC2ContainerService-ecs-on-ec2-EcsInstanceLc-M1GQHZ0VYK8Z', 'has space inside', 'x'.repeat(255)])(
    'accepts %j',
    (name) => expect(validateLaunchConfigurationName(name)).toEqual(ok(name)),
  );
  it.each([
    ['', '1-255'],
    ['x'.repeat(256), '1-255'],
    ['bad\nname', 'control characters'],
    ['tab\tname', 'control characters'],
    ['arn:aws:autoscaling:us-east-1:111122223333:launchConfiguration:u:launchConfigurationName/x', 'is an ARN'],
    [' padded', 'leading or trailing spaces'],
    ['bad\uD800', 'not valid Unicode'],
  ])('rejects %j (%s)', (name, why) => {
    const result = validateLaunchConfigurationName(name);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(why);
  });
  it('extracts the name from an ARN', () => {
    expect(
      launchConfigurationNameFromArn(
        'arn:aws:autoscaling:us-west-2:123456789012:launchConfiguration:98d3b196-4cf9-4e88-8ca1-8547c24ced8b:launchConfigurationName/my-launch-config',
      ),
    ).toBe('my-launch-config');
    expect(launchConfigurationNameFromArn('arn:aws:ec2:us-east-1:123456789012:instance/i-0abc1234')).toBeUndefined();
  });
});

describe('accounts and regions', () => {
  it('accounts are 12 digits', () => {
    expect(validateAccountId('111122223333')).toEqual(ok('111122223333'));
    expect(validateAccountId('11112222333').ok).toBe(false);
    expect(validateAccountId('11112222333a').ok).toBe(false);
  });
  it.each(['us-east-1', 'us-gov-west-1', 'eu-central-2', 'ap-southeast-4', 'cn-northwest-1', 'us-isob-east-1', 'il-central-1'])(
    'accepts region %s',
    (r) => expect(validateRegion(r)).toEqual(ok(r)),
  );
  it.each(['us-east', 'US-EAST-1', 'us-east-1;', 'useast1', ''])('rejects region %j', (r) => expect(validateRegion(r).ok).toBe(false));
});

describe('validateRefId', () => {
  it('dispatches on kind', () => {
    expect(validateRefId('instance', 'i-0abc1234').ok).toBe(true);
    expect(validateRefId('instance', 'lt-09bcb085b7dc5d962').ok).toBe(false);
    expect(validateRefId('launch-template', 'web-template').ok).toBe(true);
    expect(validateRefId('launch-configuration', 'lc name').ok).toBe(true);
    expect(validateRefId('account-defaults', '111122223333').ok).toBe(true);
    expect(validateRefId('account-defaults', 'i-0abc1234').ok).toBe(false);
  });
});
