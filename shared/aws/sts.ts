/**
 * Credentials of a role in another account (STS AssumeRole), for the clients
 * of shared/aws/clients.ts. One call per account: the credentials work in
 * every region, so callers assume once and build clients per region.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { partitionOf } from '../findings/asff.js';

/** What SDK clients accept as `credentials`. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** `arn:<partition>:iam::<account>:role/imds-guard/<name>`: the member role lives under imds-guard's IAM path. */
export function memberRoleArn(account: string, roleName: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${account}:role/imds-guard/${roleName}`;
}

/** Temporary credentials of `roleArn`; throws the STS error (AccessDenied when there is no role or no trust). */
export async function assumeRole(
  sts: Pick<STSClient, 'send'>,
  roleArn: string,
  sessionName: string,
  durationSeconds = 900,
): Promise<Credentials> {
  const response = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName.slice(0, 64), DurationSeconds: durationSeconds }));
  const c = response.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    ...(c.Expiration ? { expiration: c.Expiration } : {}),
  };
}
