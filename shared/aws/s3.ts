/**
 * The S3 client for the sweep's published-state object, kept out of
 * shared/aws/clients.ts so the other functions' bundles do not carry it.
 * Built like the others (clientConfig); with a custom endpoint
 * (AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3: an emulator, the bench's fake)
 * path-style addressing, since `bucket.127.0.0.1` does not resolve.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from './clients.js';

export function createS3Client(region: string, env: NodeJS.ProcessEnv = process.env): S3Client {
  const custom = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  return new S3Client({ ...clientConfig(region), ...(custom ? { forcePathStyle: true } : {}) });
}
