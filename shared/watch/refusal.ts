/**
 * How AWS says "no" because the account enforces IMDSv2, PURE: one place
 * for the error code and the words, used by the instance rollback (a
 * restore to HttpTokens=optional refused) and by the watch after graduation
 * (a launch refused).
 *
 * What is documented (EC2 User Guide):
 * - "Troubleshoot Amazon EC2 instance launch issues", "Launching an
 *   IMDSv1-enabled instance fails": an `UnsupportedOperation` exception with
 *   the message "You can't launch instances with IMDSv1 because
 *   httpTokensEnforced is enabled for this account. Either launch the
 *   instance with httpTokens=required or contact your account owner to
 *   disable httpTokensEnforced using the ModifyInstanceMetadataDefaults API
 *   or the account settings in the EC2 console."
 * - "Modify instance metadata options for existing instances", "Restore the
 *   use of IMDSv1" and its Troubleshooting: with httpTokensEnforced "an
 *   attempt to set httpTokens to optional will result in an
 *   UnsupportedOperation exception", with the same message.
 *
 * What is not confirmed, hence matched tolerantly:
 * - CloudTrail writes EC2 client errors with a `Client.` prefix
 *   (`Client.UnauthorizedOperation`, `Client.InvalidParameterValue` in real
 *   records); the enforcement refusal is expected as
 *   `Client.UnsupportedOperation`, but no real record of it was found.
 *   Any `…UnsupportedOperation` code counts, with or without prefix.
 * - The message may change: the code counts when the message names IMDS
 *   (httpTokensEnforced, IMDSv1/IMDSv2, HttpTokens) or is missing; a
 *   message naming httpTokensEnforced counts whatever the code (an Auto
 *   Scaling activity quotes EC2's message inside its own words).
 */

/** The code EC2 refuses with (SDK error `name`; CloudTrail `errorCode` adds `Client.`). */
export const ENFORCEMENT_ERROR_CODE = 'UnsupportedOperation';

/** Words of the refusal that name the enforcement itself. */
export const ENFORCEMENT_MESSAGE = /httpTokensEnforced/i;

/** Words that tie an UnsupportedOperation to instance metadata at all. */
const ABOUT_IMDS = /httpTokensEnforced|IMDSv1|IMDSv2|HttpTokens|instance metadata/i;

/** `Client.UnsupportedOperation` → `UnsupportedOperation`. */
export function bareCode(code: string | undefined): string | undefined {
  return code?.replace(/^(Client|Server)\./, '');
}

/** Whether an error code and message are EC2 refusing because HttpTokensEnforced is on. */
export function isEnforcementRefusal(code: string | undefined, message: string | undefined): boolean {
  const words = message?.trim() ?? '';
  if (ENFORCEMENT_MESSAGE.test(words)) return true;
  if (bareCode(code) !== ENFORCEMENT_ERROR_CODE) return false;
  return words === '' || ABOUT_IMDS.test(words);
}
