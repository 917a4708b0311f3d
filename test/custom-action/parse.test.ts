import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeKind, KIND_NAMES } from '../../shared/kinds/registry.js';
import { ACCEPTED_CONTROLS, byPlace, KIND_OF_RESOURCE_TYPE, loadActionSettings, readCustomAction, refsOf, selectFinding, type CustomActionRequest } from '../../shared/custom-action/parse.js';
import type { ResourceKind } from '../../shared/model.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/securityhub/${name}`, import.meta.url), 'utf8'));
const event = load('custom-action.json');
const aggregated = load('custom-action-aggregated.json');

/** selectFinding of the aggregated sample's first (control) finding, changed by `change`. */
function edit(change: (f: any) => void) {
  const f = structuredClone(aggregated.detail.findings[0]);
  change(f);
  return selectFinding(f);
}

function read(e: unknown): CustomActionRequest {
  const r = readCustomAction(e);
  if ('error' in r) throw new Error(r.error);
  return r;
}

describe('Security Hub custom action: reading the selected findings', () => {
  it('accepts imds-guard findings and Security Hub EC2.8 control findings, ignores the others with a reason', () => {
    const withOther = structuredClone(event);
    withOther.detail.findings.push({ Id: 'arn:aws:guardduty:us-east-1:111122223333:detector/x/finding/y', ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' });
    const request = read(withOther);
    expect(request.actionName).toBe('Enforce IMDSv2');
    expect(request.actionArn).toBe('arn:aws:securityhub:us-east-1:111122223333:action/custom/EnforceIMDSv2');
    expect(request.selected.map((s) => [s.source, s.ref])).toEqual([
      ['imds-guard', { kind: 'instance', id: 'i-0abc1234def567890', account: '111122223333', region: 'us-east-1' }],
      ['imds-guard', { kind: 'launch-template', id: 'lt-0123456789abcdef0', account: '111122223333', region: 'us-east-1' }],
      ['security-hub', { kind: 'instance', id: 'i-0fff000011112222a', account: '111122223333', region: 'us-east-1' }],
    ]);
    expect(request.selected[2]).toMatchObject({
      control: 'EC2.8',
      identifier: {
        Id: 'arn:aws:securityhub:us-east-1:111122223333:security-control/EC2.8/finding/3b7a1f0e-0000-4c1d-9c2a-aaaaaaaaaaaa',
        ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
      },
    });
    expect(request.ignored).toHaveLength(1);
    expect(request.ignored[0]!.reason).toContain('neither an imds-guard finding nor a Security Hub control finding');
  });

  it('aggregated console: findings of several accounts and regions, grouped per place', () => {
    const request = read(aggregated);
    expect(request.ignored).toEqual([]);
    expect(request.selected.map((s) => `${s.source} ${s.control ?? s.check} ${s.ref.account}/${s.ref.region} ${s.ref.kind} ${s.ref.id}`)).toEqual([
      'security-hub EC2.8 444455556666/eu-west-1 instance i-0a1b2c3d4e5f60718',
      'imds-guard imdsv2 444455556666/us-east-1 instance i-0b2c3d4e5f6071829',
      'security-hub EC2.8 777788889999/us-east-1 instance i-0c3d4e5f607182930',
      'security-hub AutoScaling.3 555566667777/us-east-1 launch-configuration legacy-workers-2019',
    ]);
    expect([...byPlace(request.selected).keys()]).toEqual(['444455556666/eu-west-1', '444455556666/us-east-1', '777788889999/us-east-1', '555566667777/us-east-1']);
  });

  it('one ref per resource when several findings (checks, products) of it are selected', () => {
    const twice = structuredClone(event);
    twice.detail.findings.push({ ...twice.detail.findings[0], Id: 'imds-guard/us-east-1/111122223333/instance/i-0abc1234def567890/hop-limit' });
    const request = read(twice);
    expect(request.selected).toHaveLength(4);
    expect(refsOf(request.selected)).toHaveLength(3);
  });

  it('ignores a finding that names our resource but was imported into another product', () => {
    const forged = structuredClone(event);
    forged.detail.findings[0].ProductArn = 'arn:aws:securityhub:us-east-1:111122223333:product/acme/scanner';
    const request = read(forged);
    expect(request.selected.map((s) => s.ref.id)).toEqual(['lt-0123456789abcdef0', 'i-0fff000011112222a']);
    expect(request.ignored.some((i) => i.reason.includes('ProductArn arn:aws:securityhub:us-east-1:111122223333:product/acme/scanner'))).toBe(true);
  });

  it('an own finding must be imported into the resource account\'s product, not the hub\'s', () => {
    const f = structuredClone(aggregated.detail.findings[1]);
    f.ProductArn = 'arn:aws:securityhub:us-east-1:999988887777:product/999988887777/default';
    expect(selectFinding(f)).toHaveProperty('reason', expect.stringContaining("account 444455556666's default product"));
  });

  it('Security Hub control findings: other controls, wrong resource types and mismatched accounts are ignored', () => {
    expect(edit((f) => (f.Compliance.SecurityControlId = 'S3.1'))).toHaveProperty('reason', expect.stringContaining('not one imds-guard fixes'));
    expect(edit((f) => (f.Resources[0].Type = 'AwsEc2LaunchTemplate'))).toHaveProperty('reason', expect.stringContaining('expected AwsEc2Instance'));
    expect(edit((f) => (f.AwsAccountId = '123456789012'))).toHaveProperty('reason', expect.stringContaining('names a resource of 444455556666'));
    expect(edit((f) => (f.Resources[0].Id = 'arn:aws:ec2:eu-west-1:444455556666:instance/i-1;rm'))).toHaveProperty('reason');
    expect(edit((f) => (f.ProductName = 'GuardDuty'))).toHaveProperty('reason', expect.stringContaining('not Security Hub'));
    // Consolidated control findings off: the control id is in ProductFields.ControlId; the new product name is accepted.
    const standard = edit((f) => {
      delete f.Compliance.SecurityControlId;
      f.ProductFields.ControlId = 'EC2.8';
      f.ProductName = 'Security Hub CSPM';
    });
    expect(standard).toMatchObject({ source: 'security-hub', control: 'EC2.8', ref: { id: 'i-0a1b2c3d4e5f60718' } });
  });

  it('kinds are mapped by ASFF resource type; a kind this version lacks is ignored with a reason', () => {
    const asg = selectFinding({
      Id: 'imds-guard/us-east-1/444455556666/auto-scaling-group/web-asg/imdsv2',
      ProductArn: 'arn:aws:securityhub:us-east-1:444455556666:product/444455556666/default',
      Resources: [{ Type: 'AwsAutoScalingAutoScalingGroup', Id: 'arn:aws:autoscaling:us-east-1:444455556666:autoScalingGroup:uuid:autoScalingGroupName/web-asg' }],
    });
    expect(asg).toMatchObject({ source: 'imds-guard', ref: { kind: 'auto-scaling-group', id: 'web-asg' } });
    const bucket = selectFinding({
      Id: 'imds-guard/us-east-1/444455556666/bucket/my-bucket/imdsv2',
      ProductArn: 'arn:aws:securityhub:us-east-1:444455556666:product/444455556666/default',
      Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::my-bucket' }],
    });
    // Not a kind of this version: not read as an imds-guard finding at all.
    expect(bucket).toHaveProperty('reason', expect.stringContaining('neither an imds-guard finding'));
    const mismatch = structuredClone(aggregated.detail.findings[1]);
    mismatch.Resources[0].Type = 'AwsEc2LaunchTemplate';
    expect(selectFinding(mismatch)).toHaveProperty('reason', expect.stringContaining('does not match'));
  });

  it('rejects other events and invalid ids', () => {
    expect(readCustomAction({ ...event, 'detail-type': 'Security Hub Findings - Imported' })).toHaveProperty('error');
    expect(selectFinding({ Id: 'imds-guard/us-east-1/111122223333/instance/i-123;rm/imdsv2' })).toHaveProperty('reason');
  });

  it('a control finding names its resource by the ARN as given: padding is not trimmed into another resource\'s name', () => {
    const base = aggregated.detail.findings[0];
    const padded = structuredClone(base);
    padded.Compliance.SecurityControlId = 'AutoScaling.3';
    padded.Resources[0].Type = 'AwsAutoScalingLaunchConfiguration';
    padded.Resources[0].Id = 'arn:aws:autoscaling:eu-west-1:444455556666:launchConfiguration:0d1a4ce3-0000-4000-8000-000000000000:launchConfigurationName/web-lc ';
    expect(selectFinding(padded)).toEqual({ reason: expect.stringContaining('launch configuration name "web-lc " has leading or trailing spaces') });
    padded.Resources[0].Id = padded.Resources[0].Id.trimEnd();
    expect(selectFinding(padded)).toMatchObject({ source: 'security-hub', control: 'AutoScaling.3', ref: { kind: 'launch-configuration', id: 'web-lc' } });
  });

  it('an own finding in the right product is still refused when its id, account or region is not valid', () => {
    // Imported into the default product of the account and region its Id names, so only the id checks stand in the way.
    const own = (region: string, account: string, id: string) =>
      selectFinding({ Id: `imds-guard/${region}/${account}/instance/${id}/imdsv2`, ProductArn: `arn:aws:securityhub:${region}:${account}:product/${account}/default` });
    expect(own('us-east-1', '111122223333', 'i-0abc1234def567890')).toMatchObject({ source: 'imds-guard', ref: { id: 'i-0abc1234def567890' } });
    expect(own('us-east-1', '111122223333', 'i-123;rm')).toEqual({ reason: expect.stringContaining('instance id "i-123;rm" is not') });
    expect(own('us-east-1', '1111', 'i-0abc1234def567890')).toEqual({ reason: expect.stringContaining('account id "1111" is not 12 digits') });
    expect(own('moon-1', '111122223333', 'i-0abc1234def567890')).toEqual({ reason: expect.stringContaining('region "moon-1" is not a region name') });
  });

  it('refusal reasons name what was wrong: the control, the resource type, the product', () => {
    const fixed = 'EC2.8, EC2.170, AutoScaling.3';
    expect(edit((f) => (f.Compliance.SecurityControlId = 'S3.1'))).toEqual({ reason: `Security Hub control S3.1 is not one imds-guard fixes (${fixed})` });
    expect(edit((f) => delete f.Compliance)).toEqual({ reason: `Security Hub control (none) is not one imds-guard fixes (${fixed})` });
    expect(edit((f) => (f.Resources[0].Type = 'AwsEc2LaunchTemplate'))).toEqual({
      reason: 'control EC2.8 finding names a AwsEc2LaunchTemplate resource, expected AwsEc2Instance',
    });
    expect(edit((f) => delete f.Resources)).toEqual({ reason: 'control EC2.8 finding names a missing resource, expected AwsEc2Instance' });
    const own = structuredClone(aggregated.detail.findings[1]);
    delete own.ProductArn;
    expect(selectFinding(own)).toEqual({ reason: expect.stringContaining("account 444455556666's default product (ProductArn missing)") });
    expect(selectFinding({ Id: 'x', ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' })).toEqual({
      reason: `neither an imds-guard finding nor a Security Hub control finding for ${fixed}`,
    });
  });

  it('a control finding is Security Hub\'s only under its exact product ARN, in any partition', () => {
    const base = aggregated.detail.findings[0];
    const withProduct = (productArn: string) => selectFinding({ ...structuredClone(base), ProductArn: productArn });
    const neither = { reason: expect.stringContaining('neither an imds-guard finding nor a Security Hub control finding') };
    expect(withProduct('arn:aws:securityhub:eu-west-1::product/aws/securityhub-lookalike')).toEqual(neither);
    expect(withProduct('acme:arn:aws:securityhub:eu-west-1::product/aws/securityhub')).toEqual(neither);
    // GovCloud: partition aws-us-gov in every ARN.
    const gov = structuredClone(base);
    gov.ProductArn = 'arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/securityhub';
    gov.Region = 'us-gov-west-1';
    gov.Resources[0].Id = 'arn:aws-us-gov:ec2:us-gov-west-1:444455556666:instance/i-0a1b2c3d4e5f60718';
    expect(selectFinding(gov)).toMatchObject({ source: 'security-hub', ref: { id: 'i-0a1b2c3d4e5f60718', account: '444455556666', region: 'us-gov-west-1' } });
  });

  it('a control finding\'s account and region: the resource ARN, the finding and the product must agree', () => {
    const selected = { source: 'security-hub', ref: { kind: 'instance', id: 'i-0a1b2c3d4e5f60718', account: '444455556666', region: 'eu-west-1' } };
    // Without (or with blank) AwsAccountId and Region, the resource ARN says where it is.
    expect(edit((f) => {
      delete f.AwsAccountId;
      delete f.Region;
    })).toMatchObject(selected);
    expect(edit((f) => {
      f.AwsAccountId = '  ';
      f.Region = '';
    })).toMatchObject(selected);
    // Surrounding spaces are not part of an account, a region or a control id.
    expect(edit((f) => {
      f.AwsAccountId = ' 444455556666 ';
      f.Compliance.SecurityControlId = ' EC2.8 ';
    })).toMatchObject({ ...selected, control: 'EC2.8' });
    // A finding of us-west-2 (in Security Hub's product there) naming an instance of eu-west-1.
    expect(edit((f) => {
      f.Region = 'us-west-2';
      f.ProductArn = 'arn:aws:securityhub:us-west-2::product/aws/securityhub';
    })).toEqual({ reason: 'finding of 444455556666/us-west-2 names a resource of 444455556666/eu-west-1' });
    expect(edit((f) => (f.Region = 'us-west-2'))).toEqual({ reason: 'finding of 444455556666/us-west-2 names a resource of 444455556666/eu-west-1' });
    // Security Hub's product of another region than the finding and its resource.
    expect(edit((f) => (f.ProductArn = 'arn:aws:securityhub:us-east-1::product/aws/securityhub'))).toHaveProperty(
      'reason',
      expect.stringContaining('names a resource of 444455556666/eu-west-1'),
    );
  });

  it('a control finding\'s resource must be an ARN of the expected type, read from the ARN\'s own fields', () => {
    const base = aggregated.detail.findings[0];
    const withResourceId = (id: unknown) => {
      const f = structuredClone(base);
      f.Resources[0].Id = id;
      return selectFinding(f);
    };
    const notAnArn = { reason: 'Resources[0].Id is not a AwsEc2Instance ARN' };
    // In the right account and region, but a volume.
    expect(withResourceId('arn:aws:ec2:eu-west-1:444455556666:volume/vol-0123456789abcdef0')).toEqual(notAnArn);
    // Not a string, even one that would print as the ARN.
    expect(withResourceId(['arn:aws:ec2:eu-west-1:444455556666:instance/i-0a1b2c3d4e5f60718'])).toEqual(notAnArn);
    expect(withResourceId('   ')).toEqual(notAnArn);
    // A launch configuration ARN without a region: the place is not taken from an ARN inside the name.
    const lc = structuredClone(aggregated.detail.findings[3]);
    lc.Resources[0].Id =
      'arn:aws:autoscaling::555566667777:launchConfiguration:0d1a4ce3-0000-4000-8000-000000000000:launchConfigurationName/web arn:aws:ec2:us-east-1:555566667777:x';
    expect(selectFinding(lc)).toEqual({ reason: 'Resources[0].Id is not a AwsAutoScalingLaunchConfiguration ARN' });
  });

  it('a control finding without a ProductName (or a blank one) is still Security Hub\'s', () => {
    const f = structuredClone(aggregated.detail.findings[0]);
    delete f.ProductName;
    expect(selectFinding(f)).toMatchObject({ source: 'security-hub', control: 'EC2.8' });
    f.ProductName = ' ';
    expect(selectFinding(f)).toMatchObject({ source: 'security-hub', control: 'EC2.8' });
  });

  it('the envelope: every ignored finding is listed by its Id, and missing parts read as empty', () => {
    const e = structuredClone(event);
    e.detail.findings = [
      'not a finding',
      { ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub' },
      { Id: 'arn:aws:guardduty:us-east-1:111122223333:detector/x/finding/y', ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' },
    ];
    expect(read(e).ignored).toEqual([
      { findingId: '(no Id)', reason: 'not an ASFF finding object' },
      { findingId: '(no Id)', reason: 'finding has no Id' },
      { findingId: 'arn:aws:guardduty:us-east-1:111122223333:detector/x/finding/y', reason: expect.stringContaining('neither an imds-guard finding') },
    ]);
    // No findings, no action ARN, no action name: nothing selected, nothing ignored, a generic name.
    const bare = { 'detail-type': 'Security Hub Findings - Custom Action', source: 'aws.securityhub', detail: { findings: 'none' }, resources: 'none' };
    expect(readCustomAction(bare)).toEqual({ actionName: 'custom action', selected: [], ignored: [] });
  });

  it('hub settings: member role name and allow-list are validated', () => {
    expect(loadActionSettings({})).toEqual({ memberRole: 'imds-guard-member' });
    expect(loadActionSettings({ IMDS_GUARD_MEMBER_ROLE: 'imds-guard-member-2', IMDS_GUARD_MEMBER_ACCOUNTS: '444455556666, 555566667777' })).toEqual({
      memberRole: 'imds-guard-member-2',
      memberAccounts: new Set(['444455556666', '555566667777']),
    });
    expect(() => loadActionSettings({ IMDS_GUARD_MEMBER_ROLE: 'a/b' })).toThrow(/IMDS_GUARD_MEMBER_ROLE/);
    expect(() => loadActionSettings({ IMDS_GUARD_MEMBER_ACCOUNTS: '12' })).toThrow(/IMDS_GUARD_MEMBER_ACCOUNTS/);
  });

  it('hub settings: spaces and empty entries are not names or accounts; an account id is exactly 12 digits', () => {
    expect(loadActionSettings({ IMDS_GUARD_MEMBER_ROLE: ' imds-guard-admin ' })).toEqual({ memberRole: 'imds-guard-admin' });
    expect(loadActionSettings({ IMDS_GUARD_MEMBER_ROLE: '  ' })).toEqual({ memberRole: 'imds-guard-member' });
    // A blank allow-list is no allow-list (Organizations decides), not one that refuses every account.
    expect(loadActionSettings({ IMDS_GUARD_MEMBER_ACCOUNTS: '  ' })).toEqual({ memberRole: 'imds-guard-member' });
    expect(loadActionSettings({ IMDS_GUARD_MEMBER_ACCOUNTS: '444455556666,' }).memberAccounts).toEqual(new Set(['444455556666']));
    for (const bad of ['4444555566667', 'x444455556666', '444455556666x']) {
      expect(() => loadActionSettings({ IMDS_GUARD_MEMBER_ACCOUNTS: `555566667777,${bad}` })).toThrow(`IMDS_GUARD_MEMBER_ACCOUNTS: "${bad}" is not an account id`);
    }
  });

  it('the resource types and controls come from the kinds registry', () => {
    // Every kind, by its ASFF type (the account defaults' own findings name an AwsAccount).
    expect([...KIND_OF_RESOURCE_TYPE.values()].map((d) => d.kind)).toEqual(KIND_NAMES);
    for (const kind of KIND_NAMES) expect(KIND_OF_RESOURCE_TYPE.get(describeKind(kind).asffType)?.kind).toBe(kind);
    // Security Hub's own controls only: AutoScaling.4 was retired, its check is imds-guard's own.
    expect(ACCEPTED_CONTROLS).toEqual({ 'EC2.8': 'AwsEc2Instance', 'EC2.170': 'AwsEc2LaunchTemplate', 'AutoScaling.3': 'AwsAutoScalingLaunchConfiguration' });
    const account = selectFinding({
      Id: 'imds-guard/us-east-1/444455556666/account-defaults/444455556666/imdsv2',
      ProductArn: 'arn:aws:securityhub:us-east-1:444455556666:product/444455556666/default',
      Resources: [{ Type: 'AwsAccount', Id: 'AWS::::Account:444455556666' }],
    });
    expect(account).toMatchObject({ source: 'imds-guard', ref: { kind: 'account-defaults', id: '444455556666' } });
  });

  it('each kind with an ARN reads its id back from the ARN it makes', () => {
    const ids: Record<string, string> = { instance: 'i-0a1b2c3d4e5f60718', 'launch-template': 'lt-0123456789abcdef0', 'auto-scaling-group': 'web/asg 1' };
    for (const [kind, id] of Object.entries(ids)) {
      const d = describeKind(kind as ResourceKind);
      const arn = d.arn({ kind: d.kind, id, account: '444455556666', region: 'eu-west-1' });
      expect(d.idFromArn?.(arn), arn).toBe(id);
      expect(d.idFromArn?.(arn.replace(':444455556666:', ':1:'))).toBeUndefined();
    }
    const lc = describeKind('launch-configuration');
    expect(lc.idFromArn?.('arn:aws:autoscaling:eu-west-1:444455556666:launchConfiguration:0d1a4ce3-0000-4000-8000-000000000000:launchConfigurationName/web-lc')).toBe('web-lc');
    expect(describeKind('account-defaults').idFromArn).toBeUndefined();
  });
});
