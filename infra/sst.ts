/**
 * The SST rendering: turns the pure plans of infra/sst-args.ts into SST /
 * Pulumi components. Runs only inside `sst deploy` (uses SST's globals `sst`,
 * `aws`, `$app`, `$resolve`, `$interpolate`, `$util`); type-checked by
 * `npm run typecheck:infra` against SST's generated types.
 *
 * - any stage but `org`: the member stack in every configured region of the
 *   current account (one `aws` provider per region);
 * - `org`: per-region artifact buckets readable by the organization, every
 *   object of the build's manifest uploaded to them (infra/artifacts.ts: the
 *   same list scripts/artifacts.ts uploads), and a service-managed StackSet
 *   of the CloudFormation member template, by its URL in the bucket of the
 *   StackSet's Region, with automatic deployment to the chosen OUs;
 * - `hub`: the organization-wide custom action (its bundle from the manifest).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { artifactBucket, artifactObjects, bundleOf, templateKey, templateUrl, type BuildManifest } from './artifacts.js';
import { describeHub } from '../shared/aws/preflight.js';
import { parameterValues, stageConfig, type HubConfig, type MemberRoleConfig, type OrgConfig, type StageConfig } from './config.js';
import { HUB } from './hub.js';
import { memberTrustPolicy } from './member-role.js';
import { holds, substitute, type ParameterName } from './model.js';
import { APP_NAME } from './names.js';
import { artifactBucketPolicy, deadLetterQueuePolicy, eventQueuePolicy, lambdaTrustPolicy, stateBucketPolicy } from './policies.js';
import {
  policyStatement,
  regionSuffix,
  sstFunctionArgs,
  sstHubEnvironment,
  sstHubPlan,
  sstRegionPlan,
  withSecurityHubAvailability,
  type AlarmArgs,
  type SstFunctionPlan,
  type SstRegionPlan,
} from './sst-args.js';
import { MEMBER_STACK } from './stack.js';

const MANIFEST = 'dist/manifest.json';

function build(): BuildManifest {
  if (process.env.IMDS_GUARD_SKIP_BUILD !== '1') execFileSync('npx', ['tsx', 'scripts/build.ts'], { stdio: 'inherit' });
  if (!existsSync(MANIFEST)) throw new Error(`${MANIFEST} is missing: run npm run build`);
  return JSON.parse(readFileSync(MANIFEST, 'utf8')) as BuildManifest;
}

/** Replaces `${...}` in every string of plain data. */
function subDeep(data: unknown, vars: Record<string, string>): unknown {
  if (typeof data === 'string') return data.includes('${') ? substitute(data, vars) : data;
  if (Array.isArray(data)) return data.map((d) => subDeep(d, vars));
  if (data !== null && typeof data === 'object') {
    const keys = Object.keys(data);
    if (keys.length === 1 && keys[0] === 'sub') return substitute((data as { sub: string }).sub, vars);
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, subDeep(v, vars)]));
  }
  return data;
}

function metricAlarm(name: string, a: AlarmArgs, dimensions: Record<string, $util.Input<string>>, provider: aws.Provider) {
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      alarmDescription: a.description,
      namespace: a.namespace,
      metricName: a.metricName,
      dimensions,
      statistic: a.statistic,
      period: a.period,
      evaluationPeriods: a.evaluationPeriods,
      threshold: a.threshold,
      comparisonOperator: a.comparisonOperator,
      treatMissingData: a.treatMissingData,
      alarmActions: a.alarmActions,
    },
    { provider },
  );
}

/**
 * `sst.aws.Function` transform: its async event age, failures (after its
 * retries) to the dead-letter queue, and X-Ray active tracing when on.
 */
function failuresTo(deadLetterQueueArn: $util.Input<string>, c: SstFunctionPlan['eventInvokeConfig'], tracing: boolean) {
  return {
    eventInvokeConfig: { maximumEventAgeInSeconds: c.maximumEventAgeInSeconds, destinationConfig: { onFailure: { destination: deadLetterQueueArn } } },
    function: { tracingConfig: { mode: tracing ? 'Active' : 'PassThrough' } },
  };
}

/** A queue only the given rules may send to (EventBridge, aws:SourceArn). */
function rulesQueuePolicy(
  name: string,
  queue: aws.sqs.Queue,
  ruleArns: $util.Input<string>[],
  policyOf: (queueArn: string, ruleArns: string[]) => object,
  opts: { provider: aws.Provider },
) {
  return new aws.sqs.QueuePolicy(
    name,
    { queueUrl: queue.url, policy: $resolve({ queue: queue.arn, rules: $resolve(ruleArns) }).apply(({ queue: arn, rules }) => JSON.stringify(policyOf(arn, rules))) },
    opts,
  );
}

/** One region of the member stack. */
export function deployRegion(plan: SstRegionPlan) {
  const s = plan.suffix;
  const provider = new aws.Provider(`Aws${s}`, { region: plan.region as aws.Region });
  const opts = { provider };
  const identity = aws.getCallerIdentityOutput({}, opts);
  const partition = aws.getPartitionOutput({}, opts);

  const dlq = new aws.sqs.Queue(`DeadLetterQueue${s}`, plan.deadLetterQueue, opts);
  metricAlarm(`DeadLettersAlarm${s}`, plan.deadLettersAlarm, { QueueName: dlq.name }, provider);
  metricAlarm(`RollbacksAlarm${s}`, plan.rollbacksAlarm, { service: 'imds-guard' }, provider);

  // Launch storms in batches: the events rules deliver here, Lambda reads it in batches; failures end in the DLQ.
  const eq = plan.eventQueue;
  const eventQueue = new aws.sqs.Queue(
    `EventQueue${s}`,
    {
      messageRetentionSeconds: eq.messageRetentionSeconds,
      visibilityTimeoutSeconds: eq.visibilityTimeoutSeconds,
      sqsManagedSseEnabled: true,
      redrivePolicy: $jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: eq.maxReceiveCount }),
    },
    opts,
  );
  // The sweep's published-finding state: private, encrypted, owner-enforced, TLS only; `sst remove` empties it.
  const stateBucket = new aws.s3.BucketV2(`StateBucket${s}`, { forceDestroy: true }, opts);
  new aws.s3.BucketPolicy(
    `StateBucketPolicy${s}`,
    { bucket: stateBucket.id, policy: stateBucket.arn.apply((arn) => JSON.stringify(stateBucketPolicy(arn, `${arn}/*`))) },
    opts,
  );
  new aws.s3.BucketPublicAccessBlock(
    `StateBucketPublicAccess${s}`,
    { bucket: stateBucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    opts,
  );
  new aws.s3.BucketOwnershipControls(`StateBucketOwnership${s}`, { bucket: stateBucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } }, opts);
  new aws.s3.BucketServerSideEncryptionConfigurationV2(
    `StateBucketEncryption${s}`,
    { bucket: stateBucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
    opts,
  );

  const base = {
    'AWS::Partition': partition.partition,
    'AWS::Region': plan.region,
    'AWS::AccountId': identity.accountId,
    'DeadLetterQueue.Arn': dlq.arn,
    'EventQueue.Arn': eventQueue.arn,
    StateBucket: stateBucket.bucket,
  };

  const actionTarget = plan.actionTarget
    ? new aws.securityhub.ActionTarget(`ActionTarget${s}`, plan.actionTarget, opts)
    : undefined;

  const functions = new Map<string, sst.aws.Function>();
  for (const f of plan.functions) {
    const logGroup = new aws.cloudwatch.LogGroup(`${f.id}LogGroup${s}`, f.logGroup, opts);
    const vars = $resolve({ ...base, [`${f.id}LogGroup.Arn`]: $interpolate`${logGroup.arn}:*` });
    const role = new aws.iam.Role(
      `${f.id}Role${s}`,
      {
        path: f.role.path,
        description: f.role.description,
        assumeRolePolicy: vars.apply((v) => JSON.stringify(subDeep(f.role.assumeRolePolicy, v))),
      },
      opts,
    );
    const policy = new aws.iam.RolePolicy(
      `${f.id}Policy${s}`,
      {
        role: role.id,
        name: f.role.policyName,
        policy: vars.apply((v) => JSON.stringify({ Version: '2012-10-17', Statement: subDeep(f.role.statements, v) })),
      },
      opts,
    );
    const fn = new sst.aws.Function(
      `${f.id}${s}`,
      {
        ...f.args,
        environment: vars.apply((v) => subDeep(f.args.environment, v) as Record<string, string>),
        role: role.arn,
        logging: { logGroup: logGroup.name },
        transform: failuresTo(dlq.arn, f.eventInvokeConfig, f.tracing),
      },
      { provider, dependsOn: [policy] },
    );
    functions.set(f.name, fn);
    if (f.name === eq.target) {
      new aws.lambda.EventSourceMapping(
        `EventQueueMapping${s}`,
        {
          eventSourceArn: eventQueue.arn,
          functionName: fn.name,
          batchSize: eq.batchSize,
          maximumBatchingWindowInSeconds: eq.batchWindowSeconds,
          functionResponseTypes: ['ReportBatchItemFailures'],
          scalingConfig: { maximumConcurrency: eq.maxConcurrency },
        },
        { provider, dependsOn: [policy] },
      );
    }
    metricAlarm(`${f.id}ErrorsAlarm${s}`, f.errorsAlarm, { FunctionName: fn.name }, provider);
  }

  const ruleArns: $util.Output<string>[] = [];
  const queuedRuleArns: $util.Output<string>[] = [];
  for (const r of plan.rules) {
    const fn = functions.get(r.target);
    if (!fn) throw new Error(`rule ${r.id}: no function ${r.target}`);
    const pattern = r.pattern;
    const rule = new aws.cloudwatch.EventRule(
      `${r.id}Rule${s}`,
      {
        description: r.description,
        eventPattern: pattern
          ? $resolve({ ...base, 'ActionTarget.Arn': actionTarget?.arn ?? '' }).apply((v) => JSON.stringify(subDeep(pattern, v)))
          : undefined,
        scheduleExpression: r.scheduleExpression,
      },
      opts,
    );
    ruleArns.push(rule.arn);
    if (r.viaQueue) queuedRuleArns.push(rule.arn);
    new aws.cloudwatch.EventTarget(
      `${r.id}Target${s}`,
      {
        rule: rule.name,
        arn: r.viaQueue ? eventQueue.arn : fn.arn,
        retryPolicy: r.retryPolicy,
        deadLetterConfig: { arn: dlq.arn },
      },
      opts,
    );
    if (r.viaQueue) continue; // the queue policy lets the rule send; Lambda reads the queue
    new aws.lambda.Permission(
      `${r.id}Permission${s}`,
      { action: 'lambda:InvokeFunction', function: fn.name, principal: 'events.amazonaws.com', sourceArn: rule.arn },
      opts,
    );
  }

  // The stack's own rules may send to each queue: the dead-letter queue and the event queue.
  for (const [name, queue, arns, policyOf] of [
    ['DeadLetterQueuePolicy', dlq, ruleArns, deadLetterQueuePolicy],
    ['EventQueuePolicy', eventQueue, queuedRuleArns, eventQueuePolicy],
  ] as const) {
    rulesQueuePolicy(`${name}${s}`, queue, arns, policyOf, opts);
  }

  const cr = plan.configRule;
  if (cr) {
    const fn = functions.get(cr.target);
    if (!fn) throw new Error(`config rule: no function ${cr.target}`);
    const permission = new aws.lambda.Permission(
      `ConfigRulePermission${s}`,
      { action: 'lambda:InvokeFunction', function: fn.name, principal: 'config.amazonaws.com', sourceAccount: identity.accountId },
      opts,
    );
    new aws.cfg.Rule(
      `ConfigRule${s}`,
      {
        name: cr.name,
        description: cr.description,
        scope: { complianceResourceTypes: cr.resourceTypes },
        maximumExecutionFrequency: cr.maximumExecutionFrequency,
        source: {
          owner: 'CUSTOM_LAMBDA',
          sourceIdentifier: fn.arn,
          sourceDetails: cr.messageTypes.map((messageType) => ({
            eventSource: 'aws.config',
            messageType,
            ...(messageType === 'ScheduledNotification' ? { maximumExecutionFrequency: cr.maximumExecutionFrequency } : {}),
          })),
        },
      },
      { provider, dependsOn: [permission] },
    );
  }

  return {
    region: plan.region,
    deadLetterQueue: dlq.url,
    eventQueue: eventQueue.url,
    stateBucket: stateBucket.bucket,
    actionTarget: actionTarget?.arn,
    functions: Object.fromEntries([...functions].map(([name, fn]) => [name, fn.arn])),
  };
}

/** The member role, once per account (IAM is global): what the hub's custom action assumes. */
function deployMemberRole(role: MemberRoleConfig, values: Record<ParameterName, string>) {
  const identity = aws.getCallerIdentityOutput({});
  const partition = aws.getPartitionOutput({});
  const statements = MEMBER_STACK.memberRole.statements.filter((s) => holds(MEMBER_STACK, s.when, values)).map(policyStatement);
  const vars = $resolve({ 'AWS::Partition': partition.partition, 'AWS::AccountId': identity.accountId });
  const created = new aws.iam.Role('MemberRole', {
    name: role.roleName,
    path: MEMBER_STACK.rolePath,
    description: `${APP_NAME}: assumed by the Security Hub custom action of the hub account`,
    maxSessionDuration: 3600,
    assumeRolePolicy: partition.partition.apply((p) => JSON.stringify(memberTrustPolicy(`arn:${p}:iam::${role.hubAccountId}:root`, role.organizationId))),
  });
  new aws.iam.RolePolicy('MemberRolePolicy', {
    role: created.id,
    name: `${APP_NAME}-member`,
    policy: vars.apply((v) => JSON.stringify({ Version: '2012-10-17', Statement: subDeep(statements, v) })),
  });
  return created.arn;
}

/** DescribeHub with the deployer's credentials; an unreadable answer counts as enabled (the deploy then reports the real error). */
async function securityHubEnabled(region: string): Promise<boolean> {
  const client = new SecurityHubClient({ region });
  try {
    return (await describeHub(client)) !== undefined;
  } catch {
    return true;
  } finally {
    client.destroy();
  }
}

async function deploySingleAccount(config: StageConfig, manifest: BuildManifest) {
  const values = parameterValues(config, { bucketPrefix: 'unused-by-sst', version: 'sst' });
  const regions: Record<string, ReturnType<typeof deployRegion>> = {};
  for (const region of config.regions) {
    // A region without Security Hub CSPM deploys without the custom action, with a warning.
    const hub = values.EnableSecurityHubAction === 'true' ? await securityHubEnabled(region) : true;
    const checked = withSecurityHubAvailability(region, values, hub);
    if (checked.warning) console.warn(checked.warning);
    regions[region] = deployRegion(sstRegionPlan({ region, stage: $app.stage, values: checked.values, bundleOf: (name) => bundleOf(manifest, name) }));
  }
  return config.memberRole ? { ...regions, memberRole: deployMemberRole(config.memberRole, values) } : regions;
}

/** The `hub` stage: the organization-wide custom action in the Security Hub administrator account. */
function deployHub(config: StageConfig, hub: HubConfig, manifest: BuildManifest) {
  const provider = new aws.Provider('AwsHub', { region: hub.region as aws.Region });
  const opts = { provider };
  const identity = aws.getCallerIdentityOutput({}, opts);
  const partition = aws.getPartitionOutput({}, opts);
  const organizationId: $util.Output<string> = hub.organizationId ? $util.output(hub.organizationId) : aws.organizations.getOrganizationOutput({}, opts).id;
  const values = { ...parameterValues(config, { bucketPrefix: 'unused-by-sst', version: 'sst' }), MemberRoleName: hub.memberRoleName };
  const environment = sstHubEnvironment(values, hub);

  // The member stack's dead-letter queue and alarms (alarm actions: IMDS_GUARD_ALARM_TOPIC_ARN), as the hub template.
  const plan = sstHubPlan(values);
  const dlq = new aws.sqs.Queue('HubDeadLetterQueue', plan.deadLetterQueue, opts);
  metricAlarm('HubDeadLettersAlarm', plan.deadLettersAlarm, { QueueName: dlq.name }, provider);

  const target = new aws.securityhub.ActionTarget('HubActionTarget', { identifier: HUB.actionTarget.id, name: HUB.actionTarget.name, description: HUB.actionTarget.description }, opts);
  const logGroup = new aws.cloudwatch.LogGroup('HubActionLogGroup', { name: `/${APP_NAME}/${$app.stage}/hub-action`, retentionInDays: config.logRetentionDays }, opts);
  const vars = $resolve({
    'AWS::Partition': partition.partition,
    'AWS::Region': hub.region,
    'AWS::AccountId': identity.accountId,
    'HubActionLogGroup.Arn': $interpolate`${logGroup.arn}:*`,
    'DeadLetterQueue.Arn': dlq.arn,
    MemberRoleName: hub.memberRoleName,
    OrganizationId: organizationId,
  });
  const role = new aws.iam.Role(
    'HubActionRole',
    {
      path: MEMBER_STACK.rolePath,
      description: `${APP_NAME} hub custom action function`,
      assumeRolePolicy: identity.accountId.apply((a) => JSON.stringify(lambdaTrustPolicy(a))),
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    'HubActionPolicy',
    { role: role.id, name: `${APP_NAME}-hub-action`, policy: vars.apply((v) => JSON.stringify({ Version: '2012-10-17', Statement: subDeep(plan.statements, v) })) },
    opts,
  );
  const f = HUB.function;
  const fn = new sst.aws.Function(
    'HubAction',
    {
      ...sstFunctionArgs(f, bundleOf(manifest, f.name), environment),
      role: role.arn,
      logging: { logGroup: logGroup.name },
      // A person clicked: no retries (HUB.function.asyncRetries); a failed invocation goes to the DLQ.
      transform: failuresTo(dlq.arn, plan.eventInvokeConfig, plan.tracing),
    },
    { provider, dependsOn: [policy] },
  );
  metricAlarm('HubActionErrorsAlarm', plan.errorsAlarm, { FunctionName: fn.name }, provider);
  const rule = new aws.cloudwatch.EventRule(
    'HubActionRule',
    {
      description: `${APP_NAME}: Security Hub custom action "${HUB.actionTarget.name}"`,
      eventPattern: target.arn.apply((arn) => JSON.stringify({ source: ['aws.securityhub'], 'detail-type': ['Security Hub Findings - Custom Action'], resources: [arn] })),
    },
    opts,
  );
  new aws.cloudwatch.EventTarget('HubActionTarget', { rule: rule.name, arn: fn.arn, retryPolicy: plan.retryPolicy, deadLetterConfig: { arn: dlq.arn } }, opts);
  rulesQueuePolicy('HubDeadLetterQueuePolicy', dlq, [rule.arn], deadLetterQueuePolicy, opts);
  new aws.lambda.Permission('HubActionPermission', { action: 'lambda:InvokeFunction', function: fn.name, principal: 'events.amazonaws.com', sourceArn: rule.arn }, opts);
  return { actionTarget: target.arn, function: fn.arn, role: role.arn, organizationId, deadLetterQueue: dlq.url };
}

/**
 * The org stage: an artifact bucket per Region (those of the stack instances
 * and the StackSet's own), every object of the manifest in each, and the
 * StackSet from the member template's URL in the bucket of its Region.
 */
function deployOrg(config: StageConfig, org: OrgConfig, manifest: BuildManifest) {
  const identity = aws.getCallerIdentityOutput({});
  const organization = aws.organizations.getOrganizationOutput({});
  const prefix: $util.Output<string> = org.artifactBucketPrefix
    ? $util.output(org.artifactBucketPrefix)
    : identity.accountId.apply((a) => `${APP_NAME}-${a}`);
  const objects = artifactObjects(manifest);

  const uploads: $util.Resource[] = [];
  const buckets: Record<string, $util.Output<string>> = {};
  const providers: Record<string, aws.Provider> = {};
  for (const region of [...new Set([...org.regions, org.stackSetRegion])]) {
    const s = regionSuffix(region);
    const provider = new aws.Provider(`Aws${s}`, { region: region as aws.Region });
    providers[region] = provider;
    const bucket = new aws.s3.Bucket(`Artifacts${s}`, { bucket: prefix.apply((p) => artifactBucket(p, region)), forceDestroy: true }, { provider });
    new aws.s3.BucketPublicAccessBlock(
      `ArtifactsPublicAccess${s}`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { provider },
    );
    const bucketPolicy = new aws.s3.BucketPolicy(
      `ArtifactsPolicy${s}`,
      {
        bucket: bucket.id,
        policy: $resolve({ arn: bucket.arn, org: organization.id }).apply(({ arn, org: orgId }) => JSON.stringify(artifactBucketPolicy(arn, orgId, `${APP_NAME}/`))),
      },
      { provider },
    );
    uploads.push(bucketPolicy);
    for (const o of objects) {
      uploads.push(
        new aws.s3.BucketObjectv2(
          `Artifact${regionSuffix(basename(o.file).replace(/\.[a-z]+$/, ''))}${s}`,
          { bucket: bucket.id, key: o.key, source: new $util.asset.FileAsset(o.file), contentType: o.contentType },
          { provider },
        ),
      );
    }
    buckets[region] = bucket.bucket;
  }

  const template = JSON.parse(readFileSync(manifest.templates.member.file, 'utf8')) as { Description: string };
  const values = parameterValues(config, { bucketPrefix: 'placeholder', version: manifest.artifactVersion });
  const parameters: Record<string, $util.Input<string>> = { ...values, ArtifactBucketPrefix: prefix };
  // The member role trusts the hub within this organization: StackSets cannot look the id up, so pass it.
  if (config.memberRole && !config.memberRole.organizationId) parameters.OrganizationId = organization.id;
  const operationPreferences = {
    failureTolerancePercentage: org.failureTolerancePercentage,
    maxConcurrentPercentage: org.maxConcurrentPercentage,
    regionConcurrencyType: 'PARALLEL',
  };
  const home = { provider: providers[org.stackSetRegion]! };
  const stackSet = new aws.cloudformation.StackSet(
    'StackSet',
    {
      name: org.stackSetName,
      description: template.Description,
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: org.callAs,
      // NAMED_IAM: the member role has a fixed name (HubAccountId set).
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      managedExecution: { active: true },
      operationPreferences,
      // By URL (1 MB), not as a body (51,200 bytes): from the bucket of the StackSet's own Region.
      templateUrl: prefix.apply((p) => templateUrl(artifactBucket(p, org.stackSetRegion), org.stackSetRegion, templateKey(manifest.artifactVersion, 'member'))),
      parameters,
    },
    { ...home, dependsOn: uploads },
  );
  const instances = org.regions.map(
    (region) =>
      new aws.cloudformation.StackSetInstance(
        `StackSetInstance${regionSuffix(region)}`,
        {
          stackSetName: stackSet.name,
          callAs: org.callAs,
          stackSetInstanceRegion: region,
          deploymentTargets: { organizationalUnitIds: org.organizationalUnitIds },
          operationPreferences,
        },
        home,
      ),
  );
  return { stackSet: stackSet.name, artifactVersion: manifest.artifactVersion, buckets, instances: instances.length };
}

/** Entry point of `sst.config.ts` → `run()`. */
export async function deploy() {
  const config = stageConfig($app.stage);
  const manifest = build();
  if (config.org) return deployOrg(config, config.org, manifest);
  if (config.hub) return deployHub(config, config.hub, manifest);
  return deploySingleAccount(config, manifest);
}
