/**
 * `npx tsx scripts/artifacts.ts`: puts a build into the artifact buckets, the
 * way docs/deploying.md deploys without SST. Everything comes from
 * dist/manifest.json (infra/artifacts.ts `artifactObjects`: every function
 * bundle and both templates, the list the SST `org` stage uploads too), so
 * no command names a bundle.
 *
 *   upload --regions us-east-1,eu-west-1 --bucket-prefix P [--create-buckets --organization-id o-...]
 *       every object into <P>-<region> of each Region; --create-buckets first
 *       creates missing buckets (public access blocked, organization-readable
 *       under imds-guard/, TLS only); prints the template URLs
 *   url member|hub --region R --bucket-prefix P
 *       the TemplateURL of a template (for --template-url)
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CreateBucketCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { artifactBucket, artifactObjects, templateKey, templateUrl, type BuildManifest, type TemplateName } from '../infra/artifacts.js';
import { APP_NAME } from '../infra/names.js';
import { artifactBucketPolicy } from '../infra/policies.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Put {
  region: string;
  bucket: string;
  key: string;
  file: string;
  contentType: string;
}

/** Every object of the manifest, in the bucket of every Region. */
export function uploadPlan(manifest: BuildManifest, bucketPrefix: string, regions: readonly string[]): Put[] {
  const objects = artifactObjects(manifest);
  return regions.flatMap((region) => objects.map((o) => ({ region, bucket: artifactBucket(bucketPrefix, region), ...o })));
}

/** The URL `--template-url` takes for a template in the bucket of `region`. */
export function templateUrlOf(manifest: BuildManifest, template: TemplateName, bucketPrefix: string, region: string): string {
  return templateUrl(artifactBucket(bucketPrefix, region), region, templateKey(manifest.artifactVersion, template));
}

function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** Creates a Region's bucket when it is missing, then blocks public access and sets its policy (idempotent). */
export async function prepareBucket(s3: Pick<S3Client, 'send'>, bucket: string, region: string, organizationId: string): Promise<void> {
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw error;
  }
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }),
  );
  const arn = `arn:${partitionOf(region)}:s3:::${bucket}`;
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(artifactBucketPolicy(arn, organizationId, `${APP_NAME}/`)) }));
}

export interface UploadOptions {
  manifest: BuildManifest;
  bucketPrefix: string;
  regions: readonly string[];
  /** With the organization id: create and configure missing buckets first. */
  createBuckets?: { organizationId: string };
  s3For: (region: string) => Pick<S3Client, 'send'>;
  readFile?: (file: string) => Uint8Array;
  log?: (line: string) => void;
}

/** Puts every object of the plan; returns what it put. */
export async function upload(options: UploadOptions): Promise<Put[]> {
  const log = options.log ?? console.log;
  const read = options.readFile ?? ((file: string) => readFileSync(join(root, file)));
  const plan = uploadPlan(options.manifest, options.bucketPrefix, options.regions);
  for (const region of options.regions) {
    const s3 = options.s3For(region);
    const bucket = artifactBucket(options.bucketPrefix, region);
    if (options.createBuckets) await prepareBucket(s3, bucket, region, options.createBuckets.organizationId);
    for (const put of plan.filter((p) => p.region === region)) {
      await s3.send(new PutObjectCommand({ Bucket: put.bucket, Key: put.key, Body: read(put.file), ContentType: put.contentType }));
      log(`  s3://${put.bucket}/${put.key}  (${put.file})`);
    }
    for (const t of Object.keys(options.manifest.templates) as TemplateName[]) {
      log(`${t} template URL in ${region}: ${templateUrlOf(options.manifest, t, options.bucketPrefix, region)}`);
    }
  }
  return plan;
}

function readManifest(): BuildManifest {
  try {
    return JSON.parse(readFileSync(join(root, 'dist', 'manifest.json'), 'utf8')) as BuildManifest;
  } catch {
    throw new Error('dist/manifest.json is missing or unreadable: run npm run build first');
  }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

function regionsOf(value: string | undefined, flag: string): string[] {
  const regions = (value ?? '').split(/[,\s]+/).filter(Boolean);
  if (regions.length === 0) throw new Error(`${flag} is required (comma-separated Regions)`);
  for (const r of regions) if (!REGION.test(r)) throw new Error(`${flag}: ${JSON.stringify(r)} is not a Region`);
  return regions;
}

export async function main(argv: readonly string[], s3For: (region: string) => Pick<S3Client, 'send'> = (region) => new S3Client({ region })): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      regions: { type: 'string' },
      region: { type: 'string' },
      'bucket-prefix': { type: 'string' },
      'create-buckets': { type: 'boolean', default: false },
      'organization-id': { type: 'string' },
    },
  });
  const prefix = values['bucket-prefix'];
  if (!prefix || !/^[a-z0-9][a-z0-9.-]{1,40}$/.test(prefix)) throw new Error('--bucket-prefix is required (lower-case letters, digits, dots and hyphens; the bucket of a Region is <prefix>-<region>)');
  const manifest = readManifest();
  if (command === 'url') {
    const template = positionals[0];
    if (template !== 'member' && template !== 'hub') throw new Error('url takes member or hub');
    console.log(templateUrlOf(manifest, template, prefix, regionsOf(values.region, '--region')[0]!));
    return;
  }
  if (command === 'upload') {
    const organizationId = values['organization-id'];
    if (values['create-buckets'] && !organizationId?.match(/^o-[a-z0-9]{10,32}$/)) throw new Error('--create-buckets needs --organization-id o-... (the buckets are readable by the organization)');
    await upload({
      manifest,
      bucketPrefix: prefix,
      regions: regionsOf(values.regions, '--regions'),
      s3For,
      ...(values['create-buckets'] ? { createBuckets: { organizationId: organizationId! } } : {}),
    });
    return;
  }
  throw new Error('usage: scripts/artifacts.ts upload --regions R1,R2 --bucket-prefix P [--create-buckets --organization-id o-...] | url member|hub --region R --bucket-prefix P');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
