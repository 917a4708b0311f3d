/**
 * Optional AWS X-Ray tracing of the functions' AWS calls with Powertools
 * Tracer, behind IMDS_GUARD_TRACING (default off: X-Ray costs per trace and
 * needs active tracing on the function plus `xray:PutTraceSegments`).
 * Imported by functions/ only, so the CLI bundle does not carry the X-Ray SDK.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Clients } from '../aws/clients.js';

export function tracingEnabled(env: Record<string, string | undefined> = process.env): boolean {
  return /^(true|1|on|yes)$/i.test(env.IMDS_GUARD_TRACING?.trim() ?? '');
}

let tracer: Tracer | undefined;

/** The clients, each wrapped by Tracer.captureAWSv3Client when tracing is on; as they are otherwise. */
export function traced(clients: Clients, env: Record<string, string | undefined> = process.env): Clients {
  if (!tracingEnabled(env)) return clients;
  tracer ??= new Tracer({ serviceName: 'imds-guard' });
  const t = tracer;
  return {
    region: clients.region,
    ec2: t.captureAWSv3Client(clients.ec2),
    autoScaling: t.captureAWSv3Client(clients.autoScaling),
    config: t.captureAWSv3Client(clients.config),
    securityHub: t.captureAWSv3Client(clients.securityHub),
    cloudWatch: t.captureAWSv3Client(clients.cloudWatch),
  };
}
