/**
 * How the CLI tells errors apart: a usage mistake (exit 2), a credential
 * problem (exit 2, stops everything), a permission problem on one call
 * (that part of the region fails, the rest goes on), or a region that cannot
 * be used at all (not enabled, token not valid there: the region fails, the
 * other regions go on). Throttling never gets here: the SDK retries it.
 *
 * The words for an error come from shared/errors.ts (describeError /
 * errorText), the same as in the Lambda logs.
 */
import { loadSharedConfigFiles } from '@smithy/core/config';
import { awsCode, describeError, errorChain, errorCode, errorText, ImdsGuardError, PERMISSION_CODES, type ErrorInfo } from '../shared/errors.js';

export { awsCode, describeError, type ErrorInfo };

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** Bad arguments or settings; the message is shown with a pointer to --help. */
export class UsageError extends ImdsGuardError {
  override name = 'UsageError';
}

/** No usable credentials: nothing can be scanned anywhere. */
export class CredentialsError extends ImdsGuardError {
  override name = 'CredentialsError';
}

/** One line for people: `Service Operation: Code: message (hint)`. */
export function messageOf(error: unknown): string {
  return errorText(error);
}

const CREDENTIAL_CODES = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'SSOTokenProviderFailure',
]);

/** The caller has no valid credentials at all (checked before anything else runs). */
export function isCredentialsError(error: unknown): boolean {
  return errorChain(error).some((e) => {
    const code = errorCode(e);
    if (code !== undefined && CREDENTIAL_CODES.has(code)) return true;
    const message = e instanceof Error ? e.message : '';
    return /Could not load credentials|Unable to locate credentials|Token is expired|SSO session .* expired/i.test(message);
  });
}

/** Denied on one API call: the rest of the region may still work. */
export function isPermissionError(error: unknown): boolean {
  const code = awsCode(error);
  return code !== undefined && PERMISSION_CODES.has(code);
}

/**
 * When AWS_PROFILE (or --profile) names a profile that neither shared file
 * has, the SDK's credential chain ends in a generic "Could not load
 * credentials from any providers" and only its debug log says why. This
 * reads the same files with the SDK's own loader (AWS_CONFIG_FILE,
 * AWS_SHARED_CREDENTIALS_FILE apply) and says it in the SDK's words.
 */
export async function missingProfile(env: Record<string, string | undefined>): Promise<string | undefined> {
  const profile = env.AWS_PROFILE?.trim();
  if (!profile) return undefined;
  try {
    const files = await loadSharedConfigFiles({
      ignoreCache: true,
      ...(env.AWS_CONFIG_FILE ? { configFilepath: env.AWS_CONFIG_FILE } : {}),
      ...(env.AWS_SHARED_CREDENTIALS_FILE ? { filepath: env.AWS_SHARED_CREDENTIALS_FILE } : {}),
    });
    if (files.configFile[profile] !== undefined || files.credentialsFile[profile] !== undefined) return undefined;
  } catch {
    return undefined;
  }
  const where = [env.AWS_CONFIG_FILE ?? '~/.aws/config', env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials'].join(' or ');
  return `Could not resolve credentials using profile: [${profile}] in configuration/credentials file(s): the profile "${profile}" is not in ${where} (see \`aws configure list-profiles\`)`;
}
