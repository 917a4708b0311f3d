/**
 * A local fake of the AWS APIs imds-guard calls, on 127.0.0.1 (node:http),
 * for the benchmarks and the fault tests. The real SDK clients talk to it
 * through `AWS_ENDPOINT_URL` (or `endpoint`), over the real wire protocols:
 *
 * - EC2 (ec2 query protocol, XML replies), Auto Scaling (query, XML)
 * - CloudWatch (awsJson1_0 with `X-Amz-Target: GraniteServiceVersion20100801.*`,
 *   as @aws-sdk/client-cloudwatch 3.11xx sends it; awsQueryCompatible errors)
 * - AWS Config (awsJson1_1, `StarlingDoveService.*`)
 * - Security Hub (REST-JSON: POST /findings/import, PATCH /findings/batchupdate, POST /findings)
 * - STS (query, XML: GetCallerIdentity, AssumeRole) and Organizations
 *   (awsJson1_1, `AWSOrganizationsV20161128.ListAccounts`, 20 accounts a page)
 *   for `scan --org`; every account and region is served the same estate
 * - S3 (REST, path-style GET/PUT /bucket/key): the sweep's published-state object
 *
 * The service is read from the SigV4 credential scope. Page sizes and batch
 * limits are enforced as AWS documents them (a request over a limit is a 400,
 * so a client that breaks a limit fails loudly). Every call is counted per
 * service and operation, and waits a fixed latency before its reply; with a
 * page latency, a listing call waits longer the larger the page it asks for
 * (`fullPageMs` × MaxResults / the API's maximum), as a slow endpoint does. Faults
 * (throttling, 5xx, partial batch failures) are injected at a seeded rate,
 * BEFORE the request has any effect, so a retried call is never applied twice.
 *
 * The estate is generated from indexes (never a list of 50,000 objects):
 * instance i has id `i-` + hex(i); the state that changes (ModifyInstanceMetadataOptions)
 * is kept in a small override map.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Estate {
  instances: number;
  launchTemplates: number;
  launchConfigurations: number;
  /** Fraction of instances with HttpTokens=optional (default 0.3). */
  nonCompliantShare?: number;
  /** Every n-th launch template has a `$Latest` newer than its default (default 10). */
  latestDiffersEvery?: number;
  /** The account-level default HttpTokens (GetInstanceMetadataDefaults); default optional. */
  accountDefaultTokens?: 'required' | 'optional';
  /** ACTIVE accounts ListAccounts returns, the caller's (ACCOUNT) first; default 1. */
  organizationAccounts?: number;
}

export interface Faults {
  /** Share of calls answered with throttling or a 5xx instead (0..1). */
  rate: number;
  /** Share of findings / evaluations in a successful batch reported as failed (transient). */
  itemRate?: number;
  /** Finding or evaluation ids that always fail (permanent partial failure). */
  alwaysFail?: (id: string) => boolean;
  /** Also fail the first call of every operation, so each one is seen failing at least once. */
  firstCallOfEachOperation?: boolean;
  /** Services that get faults (default all). */
  services?: readonly string[];
  seed?: number;
}

/** Extra latency of a listing call, growing with the page it asks for. */
export interface PageLatency {
  /** Added to a call asking for the API's maximum page; a page of a fifth of it waits a fifth of this. */
  fullPageMs: number;
}

/** The listings the page latency applies to, with their MaxResults / MaxRecords maximum. */
const LISTING_MAX: Record<string, number> = {
  'ec2:DescribeInstances': 1000,
  'ec2:DescribeLaunchTemplates': 200,
  'ec2:DescribeLaunchTemplateVersions': 200,
  'autoscaling:DescribeLaunchConfigurations': 100,
  'autoscaling:DescribeAutoScalingGroups': 100,
  'securityhub:GetFindings': 100,
};

export interface StoredFinding {
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  ProductFields: Record<string, string>;
  RecordState: string;
  ComplianceStatus?: string;
  WorkflowStatus?: string;
  UpdatedAt: string;
  /** Successful imports of this Id. */
  imports: number;
  notes: number;
}

export interface FakeAws {
  url: string;
  port: number;
  /** Calls per `service:Operation` (faulted attempts included). */
  calls: Map<string, number>;
  /** Injected faults per `service:Operation`. */
  faults: Map<string, number>;
  findings: Map<string, StoredFinding>;
  /** PutEvaluations accepted: `type/id` → count. */
  evaluations: Map<string, number>;
  /** What Config holds per `type/id` (the last accepted evaluation), read by GetComplianceDetailsByConfigRule. */
  evaluationResults: Map<string, { ComplianceType: string; Annotation?: string }>;
  /** GetMetricData queries answered (CloudWatch bills per metric requested). */
  metricQueries: { count: number };
  /** SEARCH queries answered (the migration stage's account-wide look-up, one per account-region). */
  metricSearches: { count: number };
  /** S3 objects, `bucket/key` → bytes. */
  objects: Map<string, Buffer>;
  /** Changes an instance's HttpTokens as if someone modified it (the daily change of the cost bench). */
  setInstanceTokens(index: number, httpTokens: 'required' | 'optional'): void;
  modifications: string[];
  /** Tags written with CreateTags (and seeded by benches): instance index → key → value. */
  instanceTags: Map<number, Map<string, string>>;
  /** Instances whose `MetadataNoTokenRejected` shows rejected IMDSv1 calls (the watch's breakage signal). */
  rejected: Set<string>;
  estate: Required<Estate>;
  setFaults(faults: Faults | undefined): void;
  /** Latency per call from now on (also settable over HTTP: `POST /__fake/latency?ms=N`, unsigned). */
  setLatency(ms: number): void;
  /** Page latency of listing calls from now on (`undefined`: none). */
  setPageLatency(latency: PageLatency | undefined): void;
  /** Forgets the call and fault counts. */
  reset(): void;
  close(): Promise<void>;
}

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';

export function instanceId(i: number): string {
  return `i-${i.toString(16).padStart(17, '0')}`;
}
export function templateId(t: number): string {
  return `lt-${t.toString(16).padStart(17, '0')}`;
}
/** The n-th account of the fake organization; 0 is the caller's. */
export function orgAccountId(n: number): string {
  return n === 0 ? ACCOUNT : String(200000000000 + n);
}
export function configurationName(l: number): string {
  return `lc-${String(l).padStart(6, '0')}`;
}
const INSTANCE_RE = /^i-([0-9a-f]{17})$/;
const TEMPLATE_RE = /^lt-([0-9a-f]{17})$/;
const LC_RE = /^lc-(\d{6})$/;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const tag = (name: string, inner: string | number | boolean | undefined): string =>
  inner === undefined ? '' : `<${name}>${typeof inner === 'string' ? inner : String(inner)}</${name}>`;

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}
const invalid = (message: string, code = 'InvalidParameterValue'): ApiError => new ApiError(400, code, message);

function token(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}
function fromToken(value: string | undefined): number {
  if (!value) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(value, 'base64url').toString());
  if (!m) throw invalid(`invalid NextToken ${value}`, 'InvalidNextToken');
  return Number(m[1]);
}

/** `Prefix.1`, `Prefix.2`, … from a query body (EC2 `InstanceId.N`, Auto Scaling `X.member.N`). */
function list(params: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${prefix}.${i}`); i++) out.push(params.get(`${prefix}.${i}`) as string);
  return out;
}

function intParam(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  return v === null ? undefined : Number(v);
}

export async function startFakeAws(estateIn: Estate, options: { latencyMs?: number; faults?: Faults; pageLatency?: PageLatency } = {}): Promise<FakeAws> {
  const estate: Required<Estate> = {
    nonCompliantShare: 0.3,
    latestDiffersEvery: 10,
    accountDefaultTokens: 'optional',
    organizationAccounts: 1,
    ...estateIn,
  };
  const calls = new Map<string, number>();
  const faultCounts = new Map<string, number>();
  const findings = new Map<string, StoredFinding>();
  const evaluations = new Map<string, number>();
  const evaluationResults = new Map<string, { ComplianceType: string; Annotation?: string }>();
  const objects = new Map<string, Buffer>();
  const metricQueries = { count: 0 };
  const metricSearches = { count: 0 };
  const modifications: string[] = [];
  const instanceOverrides = new Map<number, { httpTokens: string; hop?: number }>();
  /** Tags written with CreateTags (imds-guard's watch record), per instance index. */
  const instanceTags = new Map<number, Map<string, string>>();
  const rejected = new Set<string>();
  let faults = options.faults;
  let random = mulberry32(faults?.seed ?? 1);
  let latencyMs = options.latencyMs ?? 0;
  let pageLatency = options.pageLatency;
  const ncEvery = estate.nonCompliantShare > 0 ? 1 / estate.nonCompliantShare : Infinity;

  // ---- the estate ------------------------------------------------------------
  const instanceTokens = (i: number): string =>
    instanceOverrides.get(i)?.httpTokens ?? (Math.floor(i / ncEvery) !== Math.floor((i + 1) / ncEvery) ? 'optional' : 'required');
  const instanceXml = (i: number): string => {
    const o = instanceOverrides.get(i);
    const asg = i % 4 === 0 ? `<item><key>aws:autoscaling:groupName</key><value>asg-${i % 50}</value></item>` : '';
    return (
      `<item><instanceId>${instanceId(i)}</instanceId><imageId>ami-${(i % 7).toString(16).padStart(17, '0')}</imageId>` +
      `<instanceState><code>16</code><name>running</name></instanceState><instanceType>t3.micro</instanceType>` +
      `<launchTime>2025-01-01T00:00:00.000Z</launchTime>` +
      `<metadataOptions><state>applied</state><httpTokens>${instanceTokens(i)}</httpTokens>` +
      `<httpPutResponseHopLimit>${o?.hop ?? (i % 20 === 0 ? 3 : 2)}</httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint>` +
      `<httpProtocolIpv6>disabled</httpProtocolIpv6><instanceMetadataTags>disabled</instanceMetadataTags></metadataOptions>` +
      `<tagSet><item><key>Name</key><value>web-${i}</value></item>${asg}` +
      [...(instanceTags.get(i) ?? new Map<string, string>())].map(([k, v]) => `<item><key>${esc(k)}</key><value>${esc(v)}</value></item>`).join('') +
      `</tagSet></item>`
    );
  };
  const reservations = (indexes: number[]): string =>
    `<reservationSet>${indexes
      .map((i) => `<item><reservationId>r-${i.toString(16).padStart(17, '0')}</reservationId><ownerId>${ACCOUNT}</ownerId><instancesSet>${instanceXml(i)}</instancesSet></item>`)
      .join('')}</reservationSet>`;
  const latestOf = (t: number): number => (t % estate.latestDiffersEvery === 0 ? 2 : 1);
  const templateXml = (t: number): string =>
    `<item><launchTemplateId>${templateId(t)}</launchTemplateId><launchTemplateName>tmpl-${t}</launchTemplateName>` +
    `<createTime>2025-01-01T00:00:00.000Z</createTime><defaultVersionNumber>1</defaultVersionNumber>` +
    `<latestVersionNumber>${latestOf(t)}</latestVersionNumber><tagSet><item><key>team</key><value>t${t % 5}</value></item></tagSet></item>`;
  const versionXml = (t: number, v: number): string =>
    `<item><launchTemplateId>${templateId(t)}</launchTemplateId><launchTemplateName>tmpl-${t}</launchTemplateName>` +
    `<versionNumber>${v}</versionNumber><defaultVersion>${v === 1}</defaultVersion><createTime>2025-01-01T00:00:00.000Z</createTime>` +
    `<launchTemplateData><imageId>ami-00000000000000001</imageId><metadataOptions>` +
    (t % 2 === 0 || v === 2 ? '<httpTokens>required</httpTokens>' : '') +
    `<httpPutResponseHopLimit>2</httpPutResponseHopLimit></metadataOptions></launchTemplateData></item>`;
  const lcXml = (l: number): string =>
    `<member><LaunchConfigurationName>${configurationName(l)}</LaunchConfigurationName>` +
    `<LaunchConfigurationARN>arn:aws:autoscaling:${REGION}:${ACCOUNT}:launchConfiguration:${l}:launchConfigurationName/${configurationName(l)}</LaunchConfigurationARN>` +
    `<ImageId>ami-00000000000000001</ImageId><InstanceType>t3.micro</InstanceType><CreatedTime>2020-01-01T00:00:00.000Z</CreatedTime>` +
    `<SecurityGroups/><BlockDeviceMappings/>` +
    (l % 3 === 0 ? '' : `<MetadataOptions><HttpTokens>${l % 3 === 1 ? 'optional' : 'required'}</HttpTokens><HttpPutResponseHopLimit>2</HttpPutResponseHopLimit><HttpEndpoint>enabled</HttpEndpoint></MetadataOptions>`) +
    `</member>`;

  const indexOf = (re: RegExp, id: string, max: number): number | undefined => {
    const m = re.exec(id);
    if (!m) return undefined;
    const n = re === LC_RE ? Number(m[1]) : parseInt(m[1] as string, 16);
    return n < max ? n : undefined;
  };

  // ---- EC2 -------------------------------------------------------------------
  function ec2(action: string, p: URLSearchParams): string {
    switch (action) {
      case 'DescribeInstances': {
        const ids = list(p, 'InstanceId');
        const max = intParam(p, 'MaxResults');
        if (ids.length > 0 && max !== undefined) throw invalid('The parameter instancesSet cannot be used with the parameter maxResults', 'InvalidParameterCombination');
        if (ids.length > 1000) throw invalid(`too many instance ids (${ids.length} > 1000)`);
        if (max !== undefined && (max < 5 || max > 1000)) throw invalid(`MaxResults ${max} out of range 5..1000`);
        if (ids.length > 0) {
          const bad = ids.filter((id) => !INSTANCE_RE.test(id));
          if (bad.length) throw new ApiError(400, 'InvalidInstanceID.Malformed', `Invalid id: "${bad[0]}"`);
          const unknown = ids.filter((id) => indexOf(INSTANCE_RE, id, estate.instances) === undefined);
          if (unknown.length) throw new ApiError(400, 'InvalidInstanceID.NotFound', `The instance IDs '${unknown.join(', ')}' do not exist`);
          return reservations(ids.map((id) => indexOf(INSTANCE_RE, id, estate.instances) as number));
        }
        const size = max ?? 1000;
        // Filters on tags (the watch and the rollback command): only tagged instances can match.
        const tagKey = p.get('Filter.1.Name') === 'tag-key' ? list(p, 'Filter.1.Value') : undefined;
        if (tagKey) {
          const matching = [...instanceTags].filter(([, t]) => tagKey.some((k) => t.has(k))).map(([i]) => i).sort((a, b) => a - b);
          const start = fromToken(p.get('NextToken') ?? undefined);
          const page = matching.slice(start, start + size);
          return reservations(page) + (start + size < matching.length ? tag('nextToken', token(start + size)) : '');
        }
        const from = fromToken(p.get('NextToken') ?? undefined);
        const to = Math.min(estate.instances, from + size);
        const idx = Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
        return reservations(idx) + (to < estate.instances ? tag('nextToken', token(to)) : '');
      }
      case 'DescribeLaunchTemplates': {
        const ids = list(p, 'LaunchTemplateId');
        const names = list(p, 'LaunchTemplateName');
        const max = intParam(p, 'MaxResults');
        if ((ids.length || names.length) && max !== undefined) throw invalid('MaxResults cannot be used with ids or names', 'InvalidParameterCombination');
        if (ids.length > 200 || names.length > 200) throw invalid(`too many launch template ids or names (> 200)`);
        if (max !== undefined && (max < 1 || max > 200)) throw invalid(`MaxResults ${max} out of range 1..200`);
        if (ids.length || names.length) {
          const idx: number[] = [];
          for (const id of ids) {
            const t = indexOf(TEMPLATE_RE, id, estate.launchTemplates);
            if (t === undefined) throw new ApiError(400, 'InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
            idx.push(t);
          }
          for (const name of names) {
            const m = /^tmpl-(\d+)$/.exec(name);
            const t = m ? Number(m[1]) : NaN;
            if (!(t < estate.launchTemplates)) throw new ApiError(400, 'InvalidLaunchTemplateName.NotFoundException', `At least one of the launch templates specified in the request does not exist.`);
            idx.push(t);
          }
          return `<launchTemplates>${idx.map(templateXml).join('')}</launchTemplates>`;
        }
        const size = max ?? 200;
        // The templates carry one tag, `team`: a filter on any other tag matches none of them.
        for (let f = 1; p.has(`Filter.${f}.Name`); f++) {
          const name = p.get(`Filter.${f}.Name`) as string;
          if (name.startsWith('tag:') && name !== 'tag:team') return '<launchTemplates/>';
        }
        const from = fromToken(p.get('NextToken') ?? undefined);
        const to = Math.min(estate.launchTemplates, from + size);
        const idx = Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
        return `<launchTemplates>${idx.map(templateXml).join('')}</launchTemplates>` + (to < estate.launchTemplates ? tag('nextToken', token(to)) : '');
      }
      case 'DescribeLaunchTemplateVersions': {
        const id = p.get('LaunchTemplateId');
        const name = p.get('LaunchTemplateName');
        const versions = list(p, 'LaunchTemplateVersion');
        const max = intParam(p, 'MaxResults');
        if (max !== undefined && (max < 1 || max > 200)) throw invalid(`MaxResults ${max} out of range 1..200`);
        const pick = (t: number): number[] => {
          const out = new Set<number>();
          for (const v of versions.length ? versions : ['1', String(latestOf(t))]) {
            if (v === '$Default') out.add(1);
            else if (v === '$Latest') out.add(latestOf(t));
            else if (Number(v) >= 1 && Number(v) <= latestOf(t)) out.add(Number(v));
          }
          return [...out].sort();
        };
        if (id || name) {
          const t = id ? indexOf(TEMPLATE_RE, id, estate.launchTemplates) : Number(/^tmpl-(\d+)$/.exec(name ?? '')?.[1] ?? NaN);
          if (t === undefined || !(t < estate.launchTemplates)) {
            throw new ApiError(400, 'InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id ?? name}, does not exist.`);
          }
          return `<launchTemplateVersionSet>${pick(t).map((v) => versionXml(t, v)).join('')}</launchTemplateVersionSet>`;
        }
        if (versions.length === 0 || versions.some((v) => v !== '$Default' && v !== '$Latest')) {
          throw invalid('Without a launch template id or name, Versions must be $Latest and/or $Default', 'InvalidParameterCombination');
        }
        // Every template's chosen versions, template by template, paged by item.
        const size = max ?? 200;
        const from = fromToken(p.get('NextToken') ?? undefined);
        const items: string[] = [];
        let pos = 0;
        let next: number | undefined;
        for (let t = 0; t < estate.launchTemplates; t++) {
          const vs = pick(t);
          if (pos + vs.length <= from) {
            pos += vs.length;
            continue;
          }
          for (const v of vs) {
            if (pos >= from && items.length < size) items.push(versionXml(t, v));
            else if (pos >= from) next ??= pos;
            pos++;
          }
          if (next !== undefined) break;
        }
        return `<launchTemplateVersionSet>${items.join('')}</launchTemplateVersionSet>` + (next !== undefined ? tag('nextToken', token(next)) : '');
      }
      case 'GetInstanceMetadataDefaults':
        return `<accountLevel><httpTokens>${estate.accountDefaultTokens}</httpTokens><httpPutResponseHopLimit>2</httpPutResponseHopLimit></accountLevel>`;
      case 'DescribeImages': {
        const names: string[] = [];
        for (let f = 1; p.has(`Filter.${f}.Name`); f++) {
          names.push(p.get(`Filter.${f}.Name`) as string);
          if (list(p, `Filter.${f}.Value`).length > 200) throw invalid('too many filter values (> 200)', 'FilterLimitExceeded');
        }
        const ids = [...list(p, 'ImageId'), ...(names[0] === 'image-id' ? list(p, 'Filter.1.Value') : [])];
        const max = intParam(p, 'MaxResults');
        if (max !== undefined && (max < 5 || max > 1000)) throw invalid(`MaxResults ${max} out of range 5..1000`);
        return `<imagesSet>${ids.map((id, k) => `<item><imageId>${esc(id)}</imageId>${k % 2 ? '<imdsSupport>v2.0</imdsSupport>' : ''}</item>`).join('')}</imagesSet>`;
      }
      case 'ModifyInstanceMetadataOptions': {
        const id = p.get('InstanceId') ?? '';
        const i = indexOf(INSTANCE_RE, id, estate.instances);
        if (i === undefined) throw new ApiError(400, 'InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
        const tokens = p.get('HttpTokens') ?? instanceTokens(i);
        const hop = intParam(p, 'HttpPutResponseHopLimit');
        instanceOverrides.set(i, { httpTokens: tokens, ...(hop !== undefined ? { hop } : {}) });
        modifications.push(id);
        return `<instanceId>${id}</instanceId><instanceMetadataOptions><state>pending</state><httpTokens>${tokens}</httpTokens><httpEndpoint>enabled</httpEndpoint></instanceMetadataOptions>`;
      }
      case 'CreateTags':
      case 'DeleteTags': {
        const ids = list(p, 'ResourceId');
        const indexes = ids.map((id) => indexOf(INSTANCE_RE, id, estate.instances));
        if (ids.length === 0 || indexes.some((i) => i === undefined)) throw new ApiError(400, 'InvalidID', `The ID '${ids.join(', ')}' is not valid`);
        for (const i of indexes as number[]) {
          const tags = instanceTags.get(i) ?? new Map<string, string>();
          for (let k = 1; p.has(`Tag.${k}.Key`); k++) {
            const key = p.get(`Tag.${k}.Key`) as string;
            if (action === 'CreateTags') tags.set(key, p.get(`Tag.${k}.Value`) ?? '');
            else tags.delete(key);
          }
          instanceTags.set(i, tags);
        }
        return '<return>true</return>';
      }
      default:
        throw invalid(`fake EC2 does not implement ${action}`, 'InvalidAction');
    }
  }

  // ---- Auto Scaling ----------------------------------------------------------
  function autoscaling(action: string, p: URLSearchParams): string {
    const max = intParam(p, 'MaxRecords');
    if (max !== undefined && (max < 1 || max > 100)) throw invalid(`MaxRecords ${max} out of range 1..100`, 'ValidationError');
    switch (action) {
      case 'DescribeLaunchConfigurations': {
        const names = list(p, 'LaunchConfigurationNames.member');
        if (names.length > 50) throw invalid(`too many LaunchConfigurationNames (${names.length} > 50)`, 'ValidationError');
        if (names.length) {
          const idx = names.map((n) => indexOf(LC_RE, n, estate.launchConfigurations)).filter((n): n is number => n !== undefined);
          return `<LaunchConfigurations>${idx.map(lcXml).join('')}</LaunchConfigurations>`;
        }
        const from = fromToken(p.get('NextToken') ?? undefined);
        const to = Math.min(estate.launchConfigurations, from + (max ?? 50));
        const idx = Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
        return `<LaunchConfigurations>${idx.map(lcXml).join('')}</LaunchConfigurations>` + (to < estate.launchConfigurations ? tag('NextToken', token(to)) : '');
      }
      case 'DescribeAutoScalingGroups':
        return '<AutoScalingGroups/>';
      default:
        throw invalid(`fake Auto Scaling does not implement ${action}`, 'InvalidAction');
    }
  }

  // ---- CloudWatch (awsJson1_0) -------------------------------------------------
  function cloudwatch(op: string, body: Record<string, any>): unknown {
    if (op !== 'GetMetricData') throw invalid(`fake CloudWatch does not implement ${op}`, 'InvalidAction');
    const queries = (body.MetricDataQueries ?? []) as any[];
    if (queries.length > 500) throw invalid(`The collection MetricDataQueries must not have a size greater than 500.`, 'ValidationError');
    metricQueries.count += queries.length;
    const ids = new Set<string>();
    for (const q of queries) {
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.Id) || ids.has(q.Id)) throw invalid(`bad or duplicate query Id ${q.Id}`, 'ValidationError');
      ids.add(q.Id);
    }
    const end = typeof body.EndTime === 'number' ? body.EndTime : Date.parse(body.EndTime) / 1000;
    const start = typeof body.StartTime === 'number' ? body.StartTime : Date.parse(body.StartTime) / 1000;
    return {
      MetricDataResults: queries.flatMap((q, k) => {
        // A SEARCH over every instance's MetadataNoToken: one series per instance with data, at most 500 (CloudWatch's limit).
        if (typeof q.Expression === 'string' && q.Expression.startsWith('SEARCH(')) {
          metricSearches.count += 1;
          const period = Number(q.Period ?? /,\s*(\d+)\)\s*$/.exec(q.Expression)?.[1]);
          const points = Math.ceil((end - start) / period);
          const series: unknown[] = [];
          for (let i = 0; i < estate.instances && series.length < 500; i++) {
            if (i % 11 === 0) continue; // no data: not found by a SEARCH
            const values = Array.from({ length: points }, (_, p) => (p === 0 && i % 7 === 0 ? 3 : 0));
            series.push({ Id: q.Id, Label: instanceId(i), Timestamps: values.map((_, p) => end - p * period), Values: values, StatusCode: 'Complete' });
          }
          if (series.length * points > 100_800) throw invalid('too many datapoints for one answer', 'ValidationError');
          return series;
        }
        const instance = q.MetricStat?.Metric?.Dimensions?.[0]?.Value as string;
        const i = indexOf(INSTANCE_RE, instance ?? '', estate.instances) ?? k;
        if (q.MetricStat?.Metric?.MetricName === 'MetadataNoTokenRejected') {
          const v = rejected.has(instance) ? 2 : 0;
          return { Id: q.Id, Label: 'MetadataNoTokenRejected', Timestamps: [end - 600], Values: [v], StatusCode: 'Complete' };
        }
        // Most instances: zero IMDSv1 calls; every 7th: some; every 11th: no data at all.
        if (i % 11 === 0) return { Id: q.Id, Label: 'MetadataNoToken', Timestamps: [], Values: [], StatusCode: 'Complete' };
        const v = i % 7 === 0 ? 3 : 0;
        return { Id: q.Id, Label: 'MetadataNoToken', Timestamps: [end - 3600, end - 7200], Values: [v, 0], StatusCode: 'Complete' };
      }),
      Messages: [],
    };
  }

  // ---- AWS Config (awsJson1_1) -------------------------------------------------
  function config(op: string, body: Record<string, any>): unknown {
    if (op === 'GetComplianceDetailsByConfigRule') {
      const limit = body.Limit ?? 100;
      if (limit < 0 || limit > 100) throw invalid(`Limit ${limit} out of range 0..100`, 'InvalidParameterValueException');
      const wanted: string[] | undefined = body.ComplianceTypes;
      const all = [...evaluationResults].filter(([, r]) => !wanted || wanted.includes(r.ComplianceType));
      const from = fromToken(body.NextToken);
      const size = limit === 0 ? 100 : limit;
      const page = all.slice(from, from + size);
      return {
        EvaluationResults: page.map(([key, r]) => {
          // Resource types (AWS::EC2::Instance, AWS::::Account) have no '/': the id is what follows the first one.
          const type = key.slice(0, key.indexOf('/'));
          const id = key.slice(type.length + 1);
          return {
            EvaluationResultIdentifier: {
              EvaluationResultQualifier: { ConfigRuleName: body.ConfigRuleName, ResourceType: type, ResourceId: id, EvaluationMode: 'DETECTIVE' },
              OrderingTimestamp: 1735689600,
            },
            ComplianceType: r.ComplianceType,
            Annotation: r.Annotation,
            ResultRecordedTime: 1735689600,
            ConfigRuleInvokedTime: 1735689600,
          };
        }),
        ...(from + size < all.length ? { NextToken: token(from + size) } : {}),
      };
    }
    if (op !== 'PutEvaluations') throw invalid(`fake Config does not implement ${op}`, 'InvalidAction');
    const evals = (body.Evaluations ?? []) as any[];
    if (evals.length > 100) throw invalid(`Evaluations: ${evals.length} > 100`, 'ValidationException');
    if (!body.ResultToken) throw invalid('ResultToken missing', 'InvalidResultTokenException');
    const failed: any[] = [];
    for (const e of evals) {
      const key = `${e.ComplianceResourceType}/${e.ComplianceResourceId}`;
      if (faults?.alwaysFail?.(key) || (faults?.itemRate && random() < faults.itemRate)) {
        failed.push(e);
        continue;
      }
      evaluations.set(key, (evaluations.get(key) ?? 0) + 1);
      evaluationResults.set(key, { ComplianceType: e.ComplianceType, ...(e.Annotation ? { Annotation: e.Annotation } : {}) });
    }
    return { FailedEvaluations: failed };
  }

  // ---- Security Hub (REST-JSON) ----------------------------------------------
  function securityhub(method: string, path: string, body: Record<string, any>): { op: string; reply: unknown } {
    if (method === 'POST' && path === '/findings/import') {
      const list = (body.Findings ?? []) as any[];
      if (list.length > 100) throw invalid(`Findings: ${list.length} > 100`, 'InvalidInputException');
      const failed: any[] = [];
      for (const f of list) {
        if (faults?.alwaysFail?.(f.Id) || (faults?.itemRate && random() < faults.itemRate)) {
          failed.push({ Id: f.Id, ErrorCode: 'InternalFailure', ErrorMessage: 'injected item failure' });
          continue;
        }
        const prev = findings.get(f.Id);
        findings.set(f.Id, {
          Id: f.Id,
          ProductArn: f.ProductArn,
          GeneratorId: f.GeneratorId,
          AwsAccountId: f.AwsAccountId,
          ProductFields: f.ProductFields ?? {},
          RecordState: f.RecordState ?? 'ACTIVE',
          ComplianceStatus: f.Compliance?.Status,
          WorkflowStatus: prev?.WorkflowStatus ?? 'NEW',
          UpdatedAt: f.UpdatedAt,
          imports: (prev?.imports ?? 0) + 1,
          notes: prev?.notes ?? 0,
        });
      }
      return { op: 'BatchImportFindings', reply: { FailedCount: failed.length, SuccessCount: list.length - failed.length, FailedFindings: failed } };
    }
    if (method === 'PATCH' && path === '/findings/batchupdate') {
      const ids = (body.FindingIdentifiers ?? []) as any[];
      if (ids.length > 100) throw invalid(`FindingIdentifiers: ${ids.length} > 100`, 'InvalidInputException');
      const processed: any[] = [];
      const unprocessed: any[] = [];
      for (const id of ids) {
        const f = findings.get(id.Id);
        if (!f) unprocessed.push({ FindingIdentifier: id, ErrorCode: 'FindingNotFound', ErrorMessage: 'not found' });
        else {
          if (body.Workflow?.Status) f.WorkflowStatus = body.Workflow.Status;
          if (body.Note) f.notes++;
          processed.push(id);
        }
      }
      return { op: 'BatchUpdateFindings', reply: { ProcessedFindings: processed, UnprocessedFindings: unprocessed } };
    }
    if (method === 'POST' && path === '/findings') {
      const max = body.MaxResults ?? 100;
      if (max < 1 || max > 100) throw invalid(`MaxResults ${max} out of range 1..100`, 'InvalidInputException');
      const filters = body.Filters ?? {};
      const eq = (name: string): string | undefined => filters[name]?.[0]?.Value;
      const prefix: string | undefined = filters.GeneratorId?.[0]?.Value;
      const updatedEnd: string | undefined = filters.UpdatedAt?.[0]?.End;
      const updatedStart: string | undefined = filters.UpdatedAt?.[0]?.Start;
      const mapFilters = (filters.ProductFields ?? []) as { Key: string; Value: string; Comparison: string }[];
      const matches: StoredFinding[] = [];
      for (const f of findings.values()) {
        if (eq('ProductArn') && f.ProductArn !== eq('ProductArn')) continue;
        if (eq('AwsAccountId') && f.AwsAccountId !== eq('AwsAccountId')) continue;
        if (eq('RecordState') && f.RecordState !== eq('RecordState')) continue;
        if (prefix && !f.GeneratorId.startsWith(prefix)) continue;
        if (updatedEnd && !(Date.parse(f.UpdatedAt) <= Date.parse(updatedEnd))) continue;
        if (updatedStart && !(Date.parse(f.UpdatedAt) >= Date.parse(updatedStart))) continue;
        if (!mapFilters.every((m) => (m.Comparison === 'NOT_EQUALS' ? f.ProductFields[m.Key] !== m.Value : f.ProductFields[m.Key] === m.Value))) continue;
        matches.push(f);
      }
      const from = fromToken(body.NextToken);
      const page = matches.slice(from, from + max);
      return {
        op: 'GetFindings',
        reply: {
          Findings: page.map((f) => ({
            SchemaVersion: '2018-10-08',
            Id: f.Id,
            ProductArn: f.ProductArn,
            GeneratorId: f.GeneratorId,
            AwsAccountId: f.AwsAccountId,
            ProductFields: f.ProductFields,
            RecordState: f.RecordState,
            UpdatedAt: f.UpdatedAt,
          })),
          ...(from + max < matches.length ? { NextToken: token(from + max) } : {}),
        },
      };
    }
    throw new ApiError(404, 'ResourceNotFoundException', `fake Security Hub has no ${method} ${path}`);
  }

  /** The page latency of one call: none unless it is a listing that asks for a page size. */
  function listingLatency(key: string, query: URLSearchParams | undefined, json: string | undefined): number {
    const max = LISTING_MAX[key];
    if (!pageLatency || max === undefined) return 0;
    let size: number | undefined;
    if (query) size = intParam(query, 'MaxResults') ?? intParam(query, 'MaxRecords');
    else if (json) {
      try {
        size = (JSON.parse(json) as { MaxResults?: number }).MaxResults;
      } catch {
        size = undefined;
      }
    }
    return size === undefined ? 0 : Math.round((pageLatency.fullPageMs * Math.min(size, max)) / max);
  }

  // ---- wire ------------------------------------------------------------------
  const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
  const ASG_NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
  let requestCounter = 0;

  // ---- STS and Organizations (for --org) ------------------------------------------
  function sts(action: string, p: URLSearchParams): string {
    switch (action) {
      case 'GetCallerIdentity':
        return `<Arn>arn:aws:sts::${ACCOUNT}:assumed-role/Bench/bench</Arn><UserId>AROABENCH:bench</UserId><Account>${ACCOUNT}</Account>`;
      case 'AssumeRole': {
        const arn = p.get('RoleArn') ?? '';
        const account = /^arn:aws:iam::(\d{12}):role\//.exec(arn)?.[1];
        if (!account) throw invalid(`RoleArn ${arn} is not a role ARN`, 'ValidationError');
        return (
          `<Credentials><AccessKeyId>ASIA${account}</AccessKeyId><SecretAccessKey>bench</SecretAccessKey><SessionToken>bench-${account}</SessionToken>` +
          `<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
          `<AssumedRoleUser><AssumedRoleId>AROABENCH:${esc(p.get('RoleSessionName') ?? '')}</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/member/${esc(p.get('RoleSessionName') ?? '')}</Arn></AssumedRoleUser>`
        );
      }
      default:
        throw invalid(`fake STS does not implement ${action}`, 'InvalidAction');
    }
  }

  function organizations(op: string, body: Record<string, any>): unknown {
    if (op !== 'ListAccounts') throw invalid(`fake Organizations does not implement ${op}`, 'InvalidAction');
    const max = body.MaxResults ?? 20;
    if (max > 20) throw invalid('MaxResults must be at most 20', 'InvalidInputException');
    const start = fromToken(body.NextToken);
    const end = Math.min(start + max, estate.organizationAccounts);
    const Accounts = [];
    for (let n = start; n < end; n++) Accounts.push({ Id: orgAccountId(n), Name: `account-${n}`, State: 'ACTIVE', Status: 'ACTIVE', Arn: `arn:aws:organizations::${ACCOUNT}:account/o-bench/${orgAccountId(n)}` });
    return end < estate.organizationAccounts ? { Accounts, NextToken: token(end) } : { Accounts };
  }

  function throttleFor(service: string): ApiError {
    const throttle = random() < 0.6;
    switch (service) {
      case 'ec2':
        return throttle ? new ApiError(503, 'RequestLimitExceeded', 'Request limit exceeded.') : new ApiError(500, 'InternalError', 'An internal error has occurred');
      case 'autoscaling':
        return throttle ? new ApiError(400, 'Throttling', 'Rate exceeded') : new ApiError(500, 'InternalFailure', 'internal failure');
      case 'securityhub':
        return throttle ? new ApiError(429, 'TooManyRequestsException', 'Rate exceeded') : new ApiError(500, 'InternalException', 'internal');
      default:
        return throttle ? new ApiError(400, 'ThrottlingException', 'Rate exceeded') : new ApiError(500, 'InternalFailure', 'internal failure');
    }
  }

  // ---- S3 (REST, path style) --------------------------------------------------
  function s3(method: string, path: string, bytes: Buffer, res: ServerResponse, requestId: string): string {
    const key = decodeURIComponent(path.slice(1));
    if (method === 'PUT') {
      objects.set(key, bytes);
      res.writeHead(200, { 'x-amz-request-id': requestId, etag: `"${objects.size}"` }).end();
      return 'PutObject';
    }
    if (method === 'GET') {
      const body = objects.get(key);
      if (!body) {
        res
          .writeHead(404, { 'content-type': 'application/xml', 'x-amz-request-id': requestId })
          .end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${esc(key)}</Key></Error>`);
      } else {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length), 'x-amz-request-id': requestId }).end(body);
      }
      return 'GetObject';
    }
    res.writeHead(405).end();
    return `${method}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string, bytes: Buffer = Buffer.alloc(0)): Promise<void> {
    if (req.url?.startsWith('/__fake/latency')) {
      latencyMs = Number(new URL(req.url, 'http://x').searchParams.get('ms') ?? 0);
      res.writeHead(204).end();
      return;
    }
    if (req.url?.startsWith('/__fake/calls')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Object.fromEntries(calls)));
      calls.clear();
      return;
    }
    const auth = req.headers.authorization ?? '';
    const service = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth)?.[1] ?? 'unknown';
    const requestId = `req-${++requestCounter}`;
    const target = String(req.headers['x-amz-target'] ?? '');
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] as string;
    const query = service === 'ec2' || service === 'autoscaling' || service === 'sts' ? new URLSearchParams(raw) : undefined;
    let op = query?.get('Action') ?? target.split('.')[1] ?? `${method} ${path}`;
    if (service === 's3') op = method === 'PUT' ? 'PutObject' : method === 'GET' ? 'GetObject' : method;
    if (service === 'securityhub') {
      op = path === '/findings/import' ? 'BatchImportFindings' : path === '/findings/batchupdate' ? 'BatchUpdateFindings' : path === '/findings' ? 'GetFindings' : op;
    }
    const key = `${service}:${op}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    const wait = latencyMs + listingLatency(key, query, service === 'securityhub' ? raw : undefined);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));

    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const type = service === 'monitoring' ? 'application/x-amz-json-1.0' : service === 'config' || service === 'organizations' ? 'application/x-amz-json-1.1' : 'application/json';
      res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': requestId, ...headers });
      res.end(JSON.stringify(body));
    };
    const xml = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId });
      res.end(body);
    };
    const fail = (e: ApiError): void => {
      if (service === 'ec2') {
        xml(e.status, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${e.code}</Code><Message>${esc(e.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`);
      } else if (service === 'autoscaling' || service === 'sts') {
        xml(e.status, `<ErrorResponse xmlns="${ASG_NS}"><Error><Type>${e.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${e.code}</Code><Message>${esc(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
      } else if (service === 'securityhub') {
        json(e.status, { Code: e.code, Message: e.message }, { 'x-amzn-errortype': e.code });
      } else {
        json(e.status, { __type: e.code, message: e.message }, { 'x-amzn-query-error': `${e.code};${e.status >= 500 ? 'Receiver' : 'Sender'}` });
      }
    };

    try {
      const eligible = faults !== undefined && (!faults.services || faults.services.includes(service));
      const first = eligible && faults?.firstCallOfEachOperation === true && calls.get(key) === 1;
      if (faults && eligible && (first || (faults.rate > 0 && random() < faults.rate))) {
        faultCounts.set(key, (faultCounts.get(key) ?? 0) + 1);
        throw throttleFor(service);
      }
      if (service === 's3') {
        s3(method, path, bytes, res, requestId);
      } else if (service === 'ec2' && query) {
        const inner = ec2(op, query);
        xml(200, `<?xml version="1.0" encoding="UTF-8"?><${op}Response xmlns="${EC2_NS}"><requestId>${requestId}</requestId>${inner}</${op}Response>`);
      } else if (service === 'autoscaling' && query) {
        const inner = autoscaling(op, query);
        xml(200, `<${op}Response xmlns="${ASG_NS}"><${op}Result>${inner}</${op}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`);
      } else if (service === 'sts' && query) {
        const inner = sts(op, query);
        xml(200, `<${op}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${op}Result>${inner}</${op}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`);
      } else if (service === 'organizations') {
        json(200, organizations(op, raw ? JSON.parse(raw) : {}));
      } else if (service === 'monitoring') {
        json(200, cloudwatch(op, raw ? JSON.parse(raw) : {}));
      } else if (service === 'config') {
        json(200, config(op, raw ? JSON.parse(raw) : {}));
      } else if (service === 'securityhub') {
        json(200, securityhub(method, path, raw ? JSON.parse(raw) : {}).reply);
      } else {
        throw new ApiError(400, 'UnknownService', `fake AWS does not serve ${service}`);
      }
    } catch (error) {
      if (error instanceof ApiError) fail(error);
      else fail(new ApiError(500, 'InternalFailure', error instanceof Error ? error.message : String(error)));
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      void handle(req, res, bytes.toString('utf8'), bytes);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    faults: faultCounts,
    findings,
    evaluations,
    evaluationResults,
    objects,
    metricQueries,
    metricSearches,
    modifications,
    instanceTags,
    rejected,
    estate,
    setInstanceTokens(index, httpTokens) {
      instanceOverrides.set(index, { ...instanceOverrides.get(index), httpTokens });
    },
    setFaults(next) {
      faults = next;
      random = mulberry32(next?.seed ?? 1);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setPageLatency(latency) {
      pageLatency = latency;
    },
    reset() {
      calls.clear();
      faultCounts.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Calls per service (`ec2`, `autoscaling`, `monitoring`, `securityhub`, `config`). */
/** The calls the fake answered, as bench results report them. */
export interface CallsMade {
  /** Per service (`ec2`, `autoscaling`, …). */
  calls: Record<string, number>;
  /** Per `service:Operation`, sorted. */
  byOperation: Record<string, number>;
}

export function callsMade(fake: Pick<FakeAws, 'calls'>): CallsMade {
  return { calls: Object.fromEntries(callsByService(fake.calls)), byOperation: Object.fromEntries([...fake.calls].sort()) };
}

export function callsByService(calls: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of calls) {
    const service = key.split(':')[0] as string;
    out.set(service, (out.get(service) ?? 0) + n);
  }
  return out;
}
