/**
 * The auto-scaling-group kind's AWS calls: describe groups by name, page
 * every group of the region, resolve what they launch with in batch, and
 * point a group at a template's `$Default`.
 *
 * API facts this relies on (Amazon EC2 Auto Scaling / EC2 API references):
 * - DescribeAutoScalingGroups `AutoScalingGroupNames`: "By default, you can
 *   only specify up to 50 names. You can optionally increase this limit using
 *   the MaxRecords property" (MaxRecords ≤ 100), so ≤ 100 names a call with
 *   MaxRecords 100. Unknown names are left out of the reply, not an error.
 *   `IncludeInstances: false` leaves the instance lists out (not needed here).
 * - DescribeLaunchTemplateVersions takes one template (id or name) and any
 *   mix of version numbers, `$Latest` and `$Default`, so one call per
 *   template resolves every version its groups ask for. A template that is
 *   gone fails the call (`InvalidLaunchTemplateId.NotFound`, …); a version
 *   number that is gone fails it with `InvalidLaunchTemplateId.VersionNotFound`
 *   (EC2 API error codes).
 * - DescribeLaunchConfigurations: ≤ 50 names a call (shared/aws/autoscaling.ts).
 * - UpdateAutoScalingGroup: "Any properties that you don't specify are not
 *   changed"; a LaunchTemplateSpecification names the template by id or by
 *   name ("You must specify either a LaunchTemplateId or a LaunchTemplateName").
 */
import { paginateDescribeAutoScalingGroups, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import type {
  AutoScalingClient,
  AutoScalingGroup,
  LaunchTemplateOverrides,
  LaunchTemplateSpecification,
  UpdateAutoScalingGroupCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, type EC2Client, type LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import type { MetadataOptions } from '../../model.js';
import { AUTO_SCALING_PAGE_SIZE, describeLaunchConfigurationsByNames, pageAutoScalingGroups } from '../../aws/autoscaling.js';
import { AwsCallError, chunk, errorCode, mapLimit } from '../../aws/batch.js';
import { DEFAULT_CONCURRENCY, LAUNCH_TEMPLATE_NOT_FOUND_CODES } from '../../aws/ec2.js';
import { metadataOptions, type Scope, toNumber } from '../../aws/translate.js';
import { describeRepoint, originWords, type RepointChange, type RepointPlan } from './judge.js';
import type { AutoScalingGroupSubject } from './subject.js';
import { autoScalingGroupSubject, type LaunchSourceLookups, requestedVersionOf, templateKeyOf, templateSpecsOf, type TemplateVersionLookup } from './translate.js';

/** DescribeAutoScalingGroups: names a call when MaxRecords is 100 (the documented maximum). */
export const DESCRIBE_GROUPS_MAX_NAMES = AUTO_SCALING_PAGE_SIZE;

/** A version number the template no longer has. */
export const VERSION_NOT_FOUND_CODE = 'InvalidLaunchTemplateId.VersionNotFound';

export interface AsgClients {
  ec2: Pick<EC2Client, 'send'>;
  autoScaling: Pick<AutoScalingClient, 'send'>;
}

/**
 * IAM actions of the calls this edge sends to read groups and their launch
 * sources. `ec2:GetInstanceMetadataDefaults` is sent by the `accountDefaults`
 * callback the caller passes in (shared/aws/ec2.ts), only when a template
 * leaves an option unset. The repoint's write statements are the remedy's
 * (./remedy.ts, shared/act/groups-iam.ts).
 */
export const AUTO_SCALING_GROUP_PERMISSIONS = {
  read: [
    'autoscaling:DescribeAutoScalingGroups',
    'ec2:DescribeLaunchTemplateVersions',
    'autoscaling:DescribeLaunchConfigurations',
    'ec2:GetInstanceMetadataDefaults',
  ],
} as const;

// ── describe groups ──────────────────────────────────────────────────────────

async function describeGroupsByNames(autoScaling: AsgClients['autoScaling'], names: readonly string[]): Promise<AutoScalingGroup[]> {
  const pages = await mapLimit(chunk([...new Set(names)], DESCRIBE_GROUPS_MAX_NAMES), DEFAULT_CONCURRENCY, async (part) => {
    const found: AutoScalingGroup[] = [];
    // The SDK paginator only calls `send`; it is typed for the full client. pageSize is MaxRecords.
    const pager = paginateDescribeAutoScalingGroups(
      { client: autoScaling as AutoScalingClient, pageSize: DESCRIBE_GROUPS_MAX_NAMES },
      { AutoScalingGroupNames: part, IncludeInstances: false },
    );
    try {
      for await (const page of pager) found.push(...(page.AutoScalingGroups ?? []));
    } catch (error) {
      throw new AwsCallError('DescribeAutoScalingGroups', `${part.length} names: ${part.slice(0, 3).join(', ')}`, error);
    }
    return found;
  });
  return pages.flat();
}

// ── resolve template versions ────────────────────────────────────────────────

interface TemplateRequest {
  /** The spec's LaunchTemplateId, else its LaunchTemplateName. */
  key: string;
  byId: boolean;
  versions: Set<string>;
}

export interface TemplateAnswer {
  versions: LaunchTemplateVersion[];
  /** Error code per requested version that could not be read (or `*` for the whole template). */
  errors: Map<string, string>;
}

async function describeVersions(ec2: AsgClients['ec2'], request: TemplateRequest, versions: readonly string[]): Promise<LaunchTemplateVersion[]> {
  const found: LaunchTemplateVersion[] = [];
  let nextToken: string | undefined;
  do {
    const input = {
      ...(request.byId ? { LaunchTemplateId: request.key } : { LaunchTemplateName: request.key }),
      Versions: [...versions],
    };
    const out = await ec2.send(new DescribeLaunchTemplateVersionsCommand(nextToken ? { ...input, NextToken: nextToken } : input));
    found.push(...(out.LaunchTemplateVersions ?? []));
    nextToken = out.NextToken || undefined;
  } while (nextToken);
  return found;
}

/**
 * One call per template with every version asked for plus `$Default`. When
 * a version number is gone the call fails as a whole; then `$Default` and
 * `$Latest` are asked again together and each number alone, so one deleted
 * version costs a few calls and spoils nothing else.
 */
async function resolveTemplate(ec2: AsgClients['ec2'], request: TemplateRequest): Promise<TemplateAnswer> {
  const wanted = [...new Set([...request.versions, '$Default'])];
  const errors = new Map<string, string>();
  const fail = (error: unknown, versions: readonly string[]): never => {
    throw new AwsCallError('DescribeLaunchTemplateVersions', `${request.key} ${versions.join(',')}`, error);
  };
  try {
    return { versions: await describeVersions(ec2, request, wanted), errors };
  } catch (error) {
    const code = errorCode(error);
    if (code !== undefined && LAUNCH_TEMPLATE_NOT_FOUND_CODES.has(code)) {
      errors.set('*', code);
      return { versions: [], errors };
    }
    if (code !== VERSION_NOT_FOUND_CODE) fail(error, wanted);
  }
  const versions: LaunchTemplateVersion[] = [];
  const named = wanted.filter((v) => v.startsWith('$'));
  const numbers = wanted.filter((v) => !v.startsWith('$'));
  try {
    versions.push(...(await describeVersions(ec2, request, named)));
  } catch (error) {
    const code = errorCode(error);
    if (code !== undefined && LAUNCH_TEMPLATE_NOT_FOUND_CODES.has(code)) {
      errors.set('*', code);
      return { versions: [], errors };
    }
    fail(error, named);
  }
  await mapLimit(numbers, DEFAULT_CONCURRENCY, async (number) => {
    try {
      versions.push(...(await describeVersions(ec2, request, [number])));
    } catch (error) {
      const code = errorCode(error);
      if (code === VERSION_NOT_FOUND_CODE || (code !== undefined && LAUNCH_TEMPLATE_NOT_FOUND_CODES.has(code))) errors.set(number, code);
      else fail(error, [number]);
    }
  });
  return { versions, errors };
}

/** What one requested version of an answered template resolves to (pure). */
export function lookupVersion(answer: TemplateAnswer, requested: string): TemplateVersionLookup {
  const whole = answer.errors.get('*');
  if (whole !== undefined) return { error: whole };
  const numbered = answer.versions
    .map((v) => ({ v, n: toNumber(v.VersionNumber) }))
    .filter((x): x is { v: LaunchTemplateVersion; n: number } => x.n !== undefined);
  const dflt = numbered.find((x) => x.v.DefaultVersion === true);
  // `$Latest` was asked for whenever a group follows it, so the highest number returned is it.
  const latest = numbered.reduce<(typeof numbered)[number] | undefined>((best, x) => (best === undefined || x.n > best.n ? x : best), undefined);
  const chosen = requested === '$Default' ? dflt : requested === '$Latest' ? latest : numbered.find((x) => String(x.n) === requested);
  const any = numbered[0]?.v;
  const out: TemplateVersionLookup = {};
  const id = any?.LaunchTemplateId;
  const name = any?.LaunchTemplateName;
  if (id) out.templateId = id;
  if (name) out.templateName = name;
  if (dflt !== undefined) {
    out.defaultVersion = dflt.n;
    out.defaultMetadata = metadataOptions(dflt.v.LaunchTemplateData?.MetadataOptions);
  }
  if (chosen !== undefined) {
    out.resolvedVersion = chosen.n;
    out.metadata = metadataOptions(chosen.v.LaunchTemplateData?.MetadataOptions);
  } else {
    out.error = answer.errors.get(requested) ?? VERSION_NOT_FOUND_CODE;
  }
  return out;
}

function leavesSomethingUnset(m: MetadataOptions | undefined): boolean {
  return m !== undefined && (m.httpTokens === undefined || m.httpEndpoint === undefined || m.httpPutResponseHopLimit === undefined);
}

/**
 * Subjects for described groups: one DescribeLaunchTemplateVersions per
 * distinct template, DescribeLaunchConfigurations by ≤ 50 names, and the
 * account default only when some template version leaves an option unset.
 */
export async function subjectsForGroups(
  clients: AsgClients,
  scope: Scope,
  groups: readonly AutoScalingGroup[],
  accountDefaults: () => Promise<MetadataOptions | undefined>,
): Promise<AutoScalingGroupSubject[]> {
  const requests = new Map<string, TemplateRequest>();
  const lcNames = new Set<string>();
  for (const group of groups) {
    if (group.LaunchConfigurationName) lcNames.add(group.LaunchConfigurationName);
    for (const { spec } of templateSpecsOf(group)) {
      const key = templateKeyOf(spec) as string;
      const request = requests.get(key) ?? { key, byId: Boolean(spec.LaunchTemplateId), versions: new Set<string>() };
      request.versions.add(requestedVersionOf(spec));
      requests.set(key, request);
    }
  }

  const [answers, lcs] = await Promise.all([
    mapLimit([...requests.values()], DEFAULT_CONCURRENCY, async (r) => [r.key, await resolveTemplate(clients.ec2, r)] as const),
    lcNames.size === 0
      ? Promise.resolve({ launchConfigurations: [], missing: [] })
      : // The helper only calls `send`; it is typed for the full client.
        describeLaunchConfigurationsByNames(clients.autoScaling as AutoScalingClient, [...lcNames]),
  ]);
  const byTemplate = new Map(answers);
  const lcByName = new Map(lcs.launchConfigurations.map((lc) => [lc.LaunchConfigurationName, lc]));

  const lookups: LaunchSourceLookups = {
    templateVersion(idOrName, requested) {
      const answer = byTemplate.get(idOrName);
      return answer === undefined ? undefined : lookupVersion(answer, requested);
    },
    launchConfiguration(name) {
      const lc = lcByName.get(name);
      if (lc === undefined) return { found: false, error: 'not found' };
      return lc.MetadataOptions == null ? { found: true } : { found: true, metadata: metadataOptions(lc.MetadataOptions) };
    },
  };

  let defaults: MetadataOptions | undefined;
  const needDefaults = [...requests.values()].some((r) => {
    const answer = byTemplate.get(r.key);
    if (answer === undefined) return false;
    return [...r.versions].some((v) => {
      const found = lookupVersion(answer, v);
      return leavesSomethingUnset(found.metadata) || leavesSomethingUnset(found.defaultMetadata);
    });
  });
  if (needDefaults) defaults = await accountDefaults();

  return groups.map((group) => autoScalingGroupSubject(group, scope, lookups, defaults));
}

/**
 * Describes the named groups (≤ 100 names a call) and what they launch
 * with. Names Auto Scaling does not return are `missing`.
 */
export async function loadAutoScalingGroups(
  clients: AsgClients,
  scope: Scope,
  names: readonly string[],
  accountDefaults: () => Promise<MetadataOptions | undefined>,
): Promise<{ subjects: AutoScalingGroupSubject[]; missing: string[] }> {
  const wanted = [...new Set(names)];
  if (wanted.length === 0) return { subjects: [], missing: [] };
  const groups = await describeGroupsByNames(clients.autoScaling, wanted);
  const seen = new Set(groups.map((g) => g.AutoScalingGroupName));
  const subjects = await subjectsForGroups(clients, scope, groups, accountDefaults);
  return { subjects, missing: wanted.filter((n) => !seen.has(n)) };
}

/**
 * Every group of the region, a page (≤ 100) at a time, each page's templates
 * and configurations resolved in batch. The account default is read at most
 * once for the whole listing.
 */
export async function* pageAutoScalingGroupSubjects(
  clients: AsgClients,
  scope: Scope,
  accountDefaults: () => Promise<MetadataOptions | undefined>,
): AsyncGenerator<AutoScalingGroupSubject[]> {
  let cached: Promise<MetadataOptions | undefined> | undefined;
  const once = (): Promise<MetadataOptions | undefined> => (cached ??= accountDefaults());
  // Every caller passes a real client; the SDK paginator checks it.
  for await (const page of pageAutoScalingGroups(clients.autoScaling as AutoScalingClient)) {
    yield await subjectsForGroups(clients, scope, page, once);
  }
}

// ── repoint ──────────────────────────────────────────────────────────────────

/** A spec as UpdateAutoScalingGroup takes it: the id (else the name), and the version when set. */
function specForUpdate(spec: LaunchTemplateSpecification, version?: string): LaunchTemplateSpecification {
  const out: LaunchTemplateSpecification = spec.LaunchTemplateId
    ? { LaunchTemplateId: spec.LaunchTemplateId }
    : { LaunchTemplateName: spec.LaunchTemplateName };
  const v = version ?? spec.Version;
  if (v) out.Version = v;
  return out;
}

function sameSource(spec: LaunchTemplateSpecification | undefined, change: RepointChange): boolean {
  return spec !== undefined && spec.LaunchTemplateId === change.templateId && requestedVersionOf(spec) === change.from;
}

/**
 * The UpdateAutoScalingGroup input that points the planned sources at
 * `$Default` and changes nothing else, built from the group as described now.
 * Returns a string (why not) when the group no longer names what was planned.
 *
 * For a mixed instances policy the whole `LaunchTemplate` (specification and
 * every override, in order) and the `InstancesDistribution` are sent back as
 * described, with only the planned versions changed. The API reference does
 * not say whether members left out of a nested MixedInstancesPolicy keep
 * their values; sent back as they are, the request means "unchanged" either
 * way, and a request Auto Scaling refuses changes nothing.
 */
export function repointInput(group: AutoScalingGroup, changes: readonly RepointChange[]): UpdateAutoScalingGroupCommandInput | string {
  const input: UpdateAutoScalingGroupCommandInput = { AutoScalingGroupName: group.AutoScalingGroupName };
  const mixed = group.MixedInstancesPolicy;
  const overrides = mixed?.LaunchTemplate?.Overrides ?? [];
  let mixedChanged = false;
  let mainVersion: string | undefined;
  const overrideVersions = new Map<number, string>();
  for (const change of changes) {
    if (change.origin === 'group') {
      if (!sameSource(group.LaunchTemplate, change)) return `${originWords(change.origin)} no longer names ${change.templateId} ${change.from}`;
      input.LaunchTemplate = { LaunchTemplateId: change.templateId, Version: '$Default' };
    } else if (change.origin === 'mixed-instances-policy') {
      if (!sameSource(mixed?.LaunchTemplate?.LaunchTemplateSpecification, change)) {
        return `${originWords(change.origin)} no longer names ${change.templateId} ${change.from}`;
      }
      mainVersion = '$Default';
      mixedChanged = true;
    } else {
      const index = overrides.findIndex(
        (o, i) => `override ${o.InstanceType || i + 1}` === change.origin && sameSource(o.LaunchTemplateSpecification, change),
      );
      if (index < 0) return `${originWords(change.origin)} no longer names ${change.templateId} ${change.from}`;
      overrideVersions.set(index, '$Default');
      mixedChanged = true;
    }
  }
  if (mixedChanged && mixed?.LaunchTemplate?.LaunchTemplateSpecification) {
    const launchTemplate = {
      LaunchTemplateSpecification: specForUpdate(mixed.LaunchTemplate.LaunchTemplateSpecification, mainVersion),
      Overrides: overrides.map((o, i): LaunchTemplateOverrides => {
        const copy: LaunchTemplateOverrides = { ...o };
        if (o.LaunchTemplateSpecification) copy.LaunchTemplateSpecification = specForUpdate(o.LaunchTemplateSpecification, overrideVersions.get(i));
        return copy;
      }),
    };
    input.MixedInstancesPolicy = {
      LaunchTemplate: launchTemplate,
      ...(mixed.InstancesDistribution ? { InstancesDistribution: { ...mixed.InstancesDistribution } } : {}),
    };
  }
  return input;
}

/**
 * One UpdateAutoScalingGroup pointing the planned sources at `$Default`.
 * The group is described again first (one DescribeAutoScalingGroups), so
 * the overrides sent back are the group's current ones and a group changed
 * since it was judged is left alone. `changed: false` with the reason when
 * nothing was sent; an AWS failure is thrown (AwsCallError).
 */
export async function repointAutoScalingGroup(
  autoScaling: Pick<AutoScalingClient, 'send'>,
  subject: AutoScalingGroupSubject,
  plan: RepointPlan,
): Promise<{ changed: boolean; message: string }> {
  if (plan.changes.length === 0) return { changed: false, message: describeRepoint(subject, plan) };
  const [group] = await describeGroupsByNames(autoScaling, [subject.name]);
  if (group === undefined) return { changed: false, message: `group ${subject.name} no longer exists` };
  const input = repointInput(group, plan.changes);
  if (typeof input === 'string') {
    return { changed: false, message: `group ${subject.name} changed since it was judged (${input}); not updated` };
  }
  try {
    await autoScaling.send(new UpdateAutoScalingGroupCommand(input));
  } catch (error) {
    throw new AwsCallError('UpdateAutoScalingGroup', subject.name, error);
  }
  const refused = plan.refusals.length > 0 ? ` Not changed: ${plan.refusals.join(' ')}` : '';
  return { changed: true, message: `${describeRepoint(subject, { changes: plan.changes, refusals: [] }).replace(/^point/, 'pointed')}.${refused}` };
}
