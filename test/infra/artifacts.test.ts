/**
 * One manifest, every path: what the documented commands put in the artifact
 * buckets (scripts/artifacts.ts, from dist/manifest.json) is every object the
 * templates and the deploy commands ask for — each function's `S3Key` in
 * both templates, and each `--template-url` — in every Region.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { TEMPLATE_FILES, type BuildManifest, type TemplateName } from '../../infra/artifacts.js';
import { renderMemberTemplate, type CfnTemplate, type Json } from '../../infra/cloudformation.js';
import { renderHubTemplate } from '../../infra/hub.js';
import { substitute } from '../../infra/model.js';
import { prepareBucket, templateUrlOf, upload } from '../../scripts/artifacts.js';
import { functionEntries } from '../../scripts/build.js';
import { awsError } from '../support/aws-errors.js';

const ROOT = join(import.meta.dirname, '..', '..');
const VERSION = '0.1.0-abcdef123456';
const PREFIX = 'imds-guard-111122223333';
const REGIONS = ['us-east-1', 'eu-west-1'];

/** The manifest scripts/build.ts writes, for the entry points in functions/ (hashes do not matter here). */
const manifest: BuildManifest = {
  version: '0.1.0',
  artifactVersion: VERSION,
  functions: Object.fromEntries(functionEntries().map((n) => [n, { bundle: `dist/functions/${n}`, zip: `dist/functions/${n}.zip`, sha256: 'x', bytes: 1 }])),
  templates: { member: { file: TEMPLATE_FILES.member, sha256: 'x', bytes: 1 }, hub: { file: TEMPLATE_FILES.hub, sha256: 'x', bytes: 1 } },
};
const templates: Record<TemplateName, CfnTemplate> = {
  member: renderMemberTemplate({ artifactVersion: VERSION }),
  hub: renderHubTemplate({ artifactVersion: VERSION }),
};

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

/** Runs the documented upload against mocked S3 and returns `bucket/key` of every object put. */
async function uploaded(regions = REGIONS): Promise<Set<string>> {
  s3.on(PutObjectCommand).resolves({});
  await upload({ manifest, bucketPrefix: PREFIX, regions, s3For: () => new S3Client({ region: 'us-east-1' }), readFile: () => new Uint8Array([1]), log: () => {} });
  return new Set(s3.commandCalls(PutObjectCommand).map((c) => `${c.args[0].input.Bucket}/${c.args[0].input.Key}`));
}

/** Every `{ S3Bucket, S3Key }` and `TemplateURL` in a template, as `bucket/key` in a Region (parameters at their defaults). */
function objectsNamedBy(template: CfnTemplate, region: string): string[] {
  const vars: Record<string, string> = { 'AWS::Region': region, ArtifactBucketPrefix: PREFIX };
  for (const [name, p] of Object.entries(template.Parameters)) if (name !== 'ArtifactBucketPrefix') vars[name] = p.Default;
  const text = (j: Json): string => (typeof j === 'string' ? j : substitute((j as { 'Fn::Sub': string })['Fn::Sub'], vars));
  const out: string[] = [];
  const walk = (j: unknown): void => {
    if (Array.isArray(j)) j.forEach(walk);
    else if (j !== null && typeof j === 'object') {
      const o = j as Record<string, Json>;
      if ('S3Key' in o) out.push(`${text(o.S3Bucket!)}/${text(o.S3Key!)}`);
      if ('TemplateURL' in o) out.push(bucketKeyOf(text(o.TemplateURL!)));
      Object.values(o).forEach(walk);
    }
  };
  walk(template.Resources);
  return out;
}

/** `https://<bucket>.s3.<region>.amazonaws.com/<key>` → `bucket/key`. */
function bucketKeyOf(url: string): string {
  const m = /^https:\/\/([a-z0-9.-]+)\.s3\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(.+)$/.exec(url);
  if (!m) throw new Error(`not a Regional S3 URL: ${url}`);
  return `${m[1]}/${m[3]}`;
}

describe('artifact upload (scripts/artifacts.ts)', () => {
  it('puts every object the templates name, in every Region', async () => {
    const put = await uploaded();
    for (const region of REGIONS) {
      for (const [name, template] of Object.entries(templates)) {
        const named = objectsNamedBy(template, region);
        expect(named.length, name).toBeGreaterThan(0);
        for (const object of named) expect(put, `${name} in ${region}`).toContain(object);
      }
    }
    // Every function of both templates, the watch and the hub's included.
    expect([...put].filter((o) => o.startsWith(`${PREFIX}-eu-west-1/`) && o.endsWith('.zip')).length).toBe(functionEntries().length);
  });

  it('puts the templates where their --template-url points, in each Region', async () => {
    const put = await uploaded();
    for (const region of REGIONS) {
      for (const t of ['member', 'hub'] as const) {
        const url = templateUrlOf(manifest, t, PREFIX, region);
        expect(url.startsWith(`https://${PREFIX}-${region}.s3.${region}.amazonaws.com/`)).toBe(true);
        expect(put).toContain(bucketKeyOf(url));
      }
    }
  });

  it('creates a missing bucket private, organization-readable and TLS-only; an existing one is configured again', async () => {
    s3.on(CreateBucketCommand).rejectsOnce(awsError('S3', 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.'));
    await prepareBucket(new S3Client({ region: 'eu-west-1' }), `${PREFIX}-eu-west-1`, 'eu-west-1', 'o-abcdefghij');
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input.CreateBucketConfiguration).toEqual({ LocationConstraint: 'eu-west-1' });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0]!.args[0].input.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input.Policy!) as { Statement: { Sid: string; Effect: string; Condition: unknown; Resource: unknown }[] };
    expect(policy.Statement.find((s) => s.Sid === 'OrganizationReadsCode')).toMatchObject({
      Effect: 'Allow',
      Resource: `arn:aws:s3:::${PREFIX}-eu-west-1/imds-guard/*`,
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
    });
    expect(policy.Statement.find((s) => s.Sid === 'TlsOnly')).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('stops on any other error creating a bucket', async () => {
    s3.on(CreateBucketCommand).rejects(awsError('S3', 'BucketAlreadyExists', 'The requested bucket name is not available.'));
    await expect(prepareBucket(new S3Client({ region: 'us-east-1' }), 'taken', 'us-east-1', 'o-abcdefghij')).rejects.toThrow(/not available/);
    expect(s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(0);
  });
});

/** The deploy page: docs/deploying.md once it exists, the README's Deploying section before. */
function deployDocs(): string {
  const page = join(ROOT, 'docs', 'deploying.md');
  if (existsSync(page)) return readFileSync(page, 'utf8');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return readme.slice(readme.indexOf('## Deploying'));
}

/** The shell blocks of a Markdown page, joined (line continuations kept). */
function shellBlocks(markdown: string): string {
  return [...markdown.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');
}

describe('the documented deploy commands', () => {
  const shell = shellBlocks(deployDocs());

  it('upload with scripts/artifacts.ts and name no bundle by hand', () => {
    expect(shell).toMatch(/npx tsx scripts\/artifacts\.ts upload /);
    expect(shell).not.toMatch(/dist\/functions|\.zip\b/);
    for (const name of functionEntries()) expect(shell).not.toMatch(new RegExp(`\\b${name}\\.zip\\b`));
  });

  it('deploy templates by --template-url from scripts/artifacts.ts url, never by body or file', () => {
    expect(shell).not.toMatch(/--template-body|--template-file/);
    const urls = [...shell.matchAll(/--template-url\s+"?\$\{?(\w+)\}?"?/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(0);
    for (const variable of new Set(urls)) {
      const assignment = new RegExp(`\\b${variable}=\\$\\(npx tsx scripts/artifacts\\.ts url (member|hub) `).exec(shell);
      expect(assignment, `${variable} is set from scripts/artifacts.ts url`).not.toBeNull();
    }
    // The StackSet takes the member template, the hub stack the hub template.
    const stackSetUrl = /(?:create|update)-stack-set[^\n]*(?:\\\n[^\n]*)*?--template-url\s+"?\$\{?(\w+)/.exec(shell)?.[1];
    expect(new RegExp(`${stackSetUrl}=\\$\\(npx tsx scripts/artifacts\\.ts url member `).test(shell)).toBe(true);
  });
});
