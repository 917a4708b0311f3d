/**
 * Which AWS "no" is the account enforcing IMDSv2: the documented
 * UnsupportedOperation with its words, matched tolerantly (prefix, changed or
 * missing message), and nothing else (another code, or UnsupportedOperation
 * about something that is not instance metadata).
 */
import { describe, expect, it } from 'vitest';
import { bareCode, isEnforcementRefusal } from '../../shared/watch/refusal.js';

/** EC2 User Guide, "Launching an IMDSv1-enabled instance fails" (the same for a modify). */
const DOCUMENTED =
  "You can't launch instances with IMDSv1 because httpTokensEnforced is enabled for this account. Either launch the instance with httpTokens=required or " +
  'contact your account owner to disable httpTokensEnforced using the ModifyInstanceMetadataDefaults API or the account settings in the EC2 console.';

describe('bareCode: drops the Client./Server. prefix CloudTrail puts on EC2 codes, and leaves a bare code as it is', () => {
  it.each([
    ['Client.UnsupportedOperation', 'UnsupportedOperation'],
    ['Server.InternalError', 'InternalError'],
    ['UnsupportedOperation', 'UnsupportedOperation'],
    ['InvalidInstanceID.NotFound', 'InvalidInstanceID.NotFound'],
    [undefined, undefined],
  ])('%s → %s', (code, bare) => {
    expect(bareCode(code)).toBe(bare);
  });
});

describe('isEnforcementRefusal', () => {
  it('the documented refusal, as the SDK names it and as CloudTrail does', () => {
    expect(isEnforcementRefusal('UnsupportedOperation', DOCUMENTED)).toBe(true);
    expect(isEnforcementRefusal('Client.UnsupportedOperation', DOCUMENTED)).toBe(true);
  });

  it('UnsupportedOperation without a message, or with an empty one, counts (the words may be lost)', () => {
    expect(isEnforcementRefusal('Client.UnsupportedOperation', undefined)).toBe(true);
    expect(isEnforcementRefusal('UnsupportedOperation', '')).toBe(true);
    expect(isEnforcementRefusal('UnsupportedOperation', '   ')).toBe(true);
  });

  it('UnsupportedOperation with changed words counts while they name instance metadata', () => {
    expect(isEnforcementRefusal('UnsupportedOperation', 'HttpTokens must be required in this account.')).toBe(true);
    expect(isEnforcementRefusal('UnsupportedOperation', 'Instance metadata version 1 is disabled for this account.')).toBe(true);
  });

  it('UnsupportedOperation about something else is not the enforcement', () => {
    expect(isEnforcementRefusal('Client.UnsupportedOperation', 'The instance type t1.micro is not supported in this Availability Zone.')).toBe(false);
  });

  it('another code whose words mention instance metadata is not the enforcement', () => {
    expect(isEnforcementRefusal('InvalidParameterValue', 'The value (3) for parameter HttpTokens is invalid.')).toBe(false);
    expect(isEnforcementRefusal('Client.UnauthorizedOperation', 'You are not authorized to modify instance metadata options.')).toBe(false);
    expect(isEnforcementRefusal(undefined, 'IMDSv1 calls were rejected.')).toBe(false);
  });

  it('words naming httpTokensEnforced count whatever the code (Auto Scaling quotes EC2)', () => {
    expect(isEnforcementRefusal(undefined, 'Launching a new EC2 instance. Status Reason: ' + DOCUMENTED + ' Launching EC2 instance failed.')).toBe(true);
    expect(isEnforcementRefusal('ValidationError', 'HTTPTOKENSENFORCED is enabled')).toBe(true);
  });

  it('no code and no words is not a refusal', () => {
    expect(isEnforcementRefusal(undefined, undefined)).toBe(false);
    expect(isEnforcementRefusal('UnauthorizedOperation', undefined)).toBe(false);
  });
});
