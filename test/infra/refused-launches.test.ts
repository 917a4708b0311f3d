/**
 * The watch after graduation in both renderings of the member stack: its
 * rule delivers refused launches to the watch function directly (not the
 * evaluation's queue), the evaluation's rules still drop failed calls, and
 * the functions that read or write the enforcement record know the state
 * bucket and may use its objects.
 */
import { describe, expect, it } from 'vitest';
import { renderMemberTemplate, type Json } from '../../infra/cloudformation.js';
import type { ParameterName } from '../../infra/model.js';
import { sstRegionPlan } from '../../infra/sst-args.js';
import { PARAMETERS } from '../../infra/parameters.js';
import { MEMBER_STACK } from '../../infra/stack.js';
import { eventPatterns } from '../../shared/refs/catalog.js';
import { refusedLaunchPattern } from '../../shared/watch/account/launches.js';

const template = renderMemberTemplate({ artifactVersion: '1.2.3-abcdef' });
const values = { ...(Object.fromEntries(Object.entries(PARAMETERS).map(([k, p]) => [k, p.default])) as Record<ParameterName, string>), RemediationEnabled: 'true', EnableSecurityHubAction: 'true' };
const sst = sstRegionPlan({ region: 'eu-west-1', stage: 'test', values, bundleOf: (name) => `dist/functions/${name}` });

describe('the refused-launch rule', () => {
  it('targets the watch function directly, with its invoke permission, in the template', () => {
    const rule = template.Resources.RefusedLaunchesRule!;
    expect(rule.Properties.EventPattern).toEqual(refusedLaunchPattern());
    const target = (rule.Properties.Targets as { Arn: Json }[])[0]!;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': ['WatchFunction', 'Arn'] });
    const permission = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties.SourceArn) === JSON.stringify({ 'Fn::GetAtt': ['RefusedLaunchesRule', 'Arn'] }),
    );
    expect(permission?.Properties.FunctionName).toEqual({ 'Fn::GetAtt': ['WatchFunction', 'Arn'] });
  });

  it('is the same in the SST stage', () => {
    const rule = sst.rules.find((r) => r.id === 'RefusedLaunches')!;
    expect(rule).toMatchObject({ target: 'watch', viaQueue: false, pattern: refusedLaunchPattern() });
  });

  it('leaves the evaluation\'s rules dropping failed calls', () => {
    for (const p of eventPatterns().filter((x) => (x['detail-type'] as string[])[0] === 'AWS API Call via CloudTrail')) {
      expect((p.detail as { errorCode: unknown }).errorCode).toEqual([{ exists: false }]);
    }
    expect(MEMBER_STACK.rules.filter((r) => r.target === 'events').every((r) => JSON.stringify(r.pattern).indexOf('suffix') < 0)).toBe(true);
  });
});

describe('the enforcement record', () => {
  it('is named to every function that reads or writes it: the state bucket', () => {
    for (const id of ['EventsFunction', 'SweepFunction', 'ActionFunction', 'WatchFunction']) {
      const env = (template.Resources[id]!.Properties.Environment as { Variables: Record<string, Json> }).Variables;
      expect(env.IMDS_GUARD_STATE_BUCKET, id).toEqual({ 'Fn::Sub': '${StateBucket}' });
    }
    // The Config rule never writes and publishes no finding: it has none.
    expect((template.Resources.ConfigRuleFunction!.Properties.Environment as { Variables: Record<string, Json> }).Variables.IMDS_GUARD_STATE_BUCKET).toBeUndefined();
    for (const f of sst.functions.filter((x) => x.name !== 'config-rule')) expect(f.args.environment.IMDS_GUARD_STATE_BUCKET, f.name).toBeDefined();
  });

  it('its objects are granted once, as a managed policy the roles attach', () => {
    const policy = template.Resources.StatePolicy!;
    expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
    const statements = (policy.Properties.PolicyDocument as { Statement: { Action: string[]; Resource: Json[] }[] }).Statement;
    expect(statements.flatMap((s) => s.Action).sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(JSON.stringify(statements)).toContain('${StateBucket}/imds-guard/state/*');
    for (const role of ['EventsRole', 'SweepRole', 'ActionRole', 'WatchRole']) {
      expect(template.Resources[role]!.Properties.ManagedPolicyArns, role).toContainEqual({ Ref: 'StatePolicy' });
    }
  });
});
