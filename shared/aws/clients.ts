/**
 * AWS SDK clients for one region, built the standard way so that the usual
 * environment applies: credentials chain, AWS_PROFILE, AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';

export interface Clients {
  region: string;
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  config: ConfigServiceClient;
  securityHub: SecurityHubClient;
  cloudWatch: CloudWatchClient;
}

/** Static credentials (an assumed role's), the shape every SDK v3 client accepts. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Throttling is common in a launch storm: retry more than the SDK default of 3, unless the user set it. */
const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * `credentials` (optional) replaces only the credential chain, e.g. with an
 * assumed member role for `--org`; endpoint, retry and profile settings still
 * come from the environment.
 */
export function clientConfig(
  region: string,
  credentials?: AwsCredentialIdentity,
): { region: string; maxAttempts?: number; credentials?: AwsCredentialIdentity } {
  const base: { region: string; maxAttempts?: number } = process.env.AWS_MAX_ATTEMPTS ? { region } : { region, maxAttempts: DEFAULT_MAX_ATTEMPTS };
  return credentials ? { ...base, credentials } : base;
}

export function createClients(region: string, credentials?: AwsCredentialIdentity): Clients {
  const config = clientConfig(region, credentials);
  return {
    region,
    ec2: new EC2Client(config),
    autoScaling: new AutoScalingClient(config),
    config: new ConfigServiceClient(config),
    securityHub: new SecurityHubClient(config),
    cloudWatch: new CloudWatchClient(config),
  };
}
