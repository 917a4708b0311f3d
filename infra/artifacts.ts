/**
 * What a deployment takes from the build: `dist/manifest.json` lists every
 * function bundle and both templates, and every deploy path (the SST stages,
 * scripts/artifacts.ts for the CloudFormation commands in docs/deploying.md)
 * takes its list from here, so no path can leave one out.
 *
 * In an artifact bucket (`<prefix>-<region>`, one per Region: Lambda reads
 * code only from a bucket in the function's Region) each file lives under
 * `imds-guard/<artifact version>/`.
 */
import { APP_NAME } from './names.js';

export interface ManifestFile {
  /** Path relative to the repository, e.g. `dist/functions/events.zip`. */
  file: string;
  sha256: string;
  bytes: number;
}

/** Written by scripts/build.ts. */
export interface BuildManifest {
  version: string;
  /** Package version + hash of every bundle: the key prefix of this build's objects. */
  artifactVersion: string;
  functions: Record<string, { bundle: string; zip: string; sha256: string; bytes: number }>;
  templates: Record<TemplateName, ManifestFile>;
}

export type TemplateName = 'member' | 'hub';
export const TEMPLATE_FILES: Record<TemplateName, string> = { member: 'dist/member-template.json', hub: 'dist/hub-template.json' };

/** Object key of a function's code in the artifact bucket (the templates' `S3Key`). */
export function artifactKey(version: string, functionName: string): string {
  return `${APP_NAME}/${version}/${functionName}.zip`;
}

/** Object key of a template in the artifact bucket (what `--template-url` points to). */
export function templateKey(version: string, template: TemplateName): string {
  return `${APP_NAME}/${version}/${template}-template.json`;
}

/** The artifact bucket of a Region (the templates' `S3Bucket`: `${ArtifactBucketPrefix}-${AWS::Region}`). */
export function artifactBucket(prefix: string, region: string): string {
  return `${prefix}-${region}`;
}

export interface ArtifactObject {
  file: string;
  key: string;
  contentType: string;
}

/** Every object a build puts in each artifact bucket: every function of the manifest and both templates. */
export function artifactObjects(manifest: BuildManifest): ArtifactObject[] {
  const functions = Object.keys(manifest.functions).sort();
  if (functions.length === 0) throw new Error('dist/manifest.json lists no functions: run npm run build');
  return [
    ...functions.map((name) => ({ file: manifest.functions[name]!.zip, key: artifactKey(manifest.artifactVersion, name), contentType: 'application/zip' })),
    ...(Object.keys(manifest.templates) as TemplateName[]).sort().map((t) => ({
      file: manifest.templates[t].file,
      key: templateKey(manifest.artifactVersion, t),
      contentType: 'application/json',
    })),
  ];
}

/**
 * The `TemplateURL` of an uploaded template: the bucket of the Region the
 * stack or StackSet is created in, by its Regional virtual-hosted name.
 * (Older CloudFormation API references required the template's bucket to be
 * in the stack's Region; the current ones only ask for an https:// S3 URL.
 * Unconfirmed which holds today, so every path keeps them in one Region.)
 */
export function templateUrl(bucket: string, region: string, key: string): string {
  const host = region.startsWith('cn-') ? `${bucket}.s3.${region}.amazonaws.com.cn` : `${bucket}.s3.${region}.amazonaws.com`;
  return `https://${host}/${key}`;
}

/** The directory of a function's bundle, from the manifest (the SST stages deploy from it). */
export function bundleOf(manifest: BuildManifest, functionName: string): string {
  const f = manifest.functions[functionName];
  if (!f) throw new Error(`dist/manifest.json has no bundle for ${functionName}: run npm run build`);
  return f.bundle;
}
