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
import type { Credentials } from './sts.js';

export interface Clients {
  region: string;
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  config: ConfigServiceClient;
  securityHub: SecurityHubClient;
  cloudWatch: CloudWatchClient;
}

/** Throttling is common in a launch storm: retry more than the SDK default of 3, unless the user set it. */
const DEFAULT_MAX_ATTEMPTS = 8;

export function clientConfig(region: string): { region: string; maxAttempts?: number } {
  return process.env.AWS_MAX_ATTEMPTS ? { region } : { region, maxAttempts: DEFAULT_MAX_ATTEMPTS };
}

/**
 * Clients for one region; with `credentials` (an assumed role, shared/aws/sts.ts)
 * instead of the default chain. Endpoints and retries resolve as always.
 */
export function createClients(region: string, credentials?: Credentials): Clients {
  const config = credentials ? { ...clientConfig(region), credentials } : clientConfig(region);
  return {
    region,
    ec2: new EC2Client(config),
    autoScaling: new AutoScalingClient(config),
    config: new ConfigServiceClient(config),
    securityHub: new SecurityHubClient(config),
    cloudWatch: new CloudWatchClient(config),
  };
}
