import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCustomAction, refOfFinding } from '../../shared/custom-action.js';

const event = JSON.parse(readFileSync(new URL('../fixtures/securityhub/custom-action.json', import.meta.url), 'utf8'));
const scope = { account: '111122223333', region: 'us-east-1' };

describe('Security Hub custom action', () => {
  it('recovers refs from imds-guard findings and ignores the others with a reason', () => {
    const request = readCustomAction(event, scope);
    expect('error' in request).toBe(false);
    if ('error' in request) return;
    expect(request.actionName).toBe('Enforce IMDSv2');
    expect(request.actionArn).toBe('arn:aws:securityhub:us-east-1:111122223333:action/custom/EnforceIMDSv2');
    expect(request.refs).toEqual([
      { kind: 'instance', id: 'i-0abc1234def567890', account: '111122223333', region: 'us-east-1' },
      { kind: 'launch-template', id: 'lt-0123456789abcdef0', account: '111122223333', region: 'us-east-1' },
    ]);
    expect(request.ignored).toHaveLength(1);
    expect(request.ignored[0]!.reason).toContain('not an imds-guard finding');
  });

  it('one ref per resource when several findings (checks) are selected', () => {
    const twice = structuredClone(event);
    twice.detail.findings.push({ ...twice.detail.findings[0], Id: 'imds-guard/us-east-1/111122223333/instance/i-0abc1234def567890/hop-limit' });
    const request = readCustomAction(twice, scope);
    if ('error' in request) throw new Error(request.error);
    expect(request.refs).toHaveLength(2);
    expect(request.ignored).toHaveLength(1);
  });

  it('ignores findings of other accounts or regions (aggregated Security Hub)', () => {
    const request = readCustomAction(event, { account: '444455556666', region: 'us-east-1' });
    if ('error' in request) throw new Error(request.error);
    expect(request.refs).toHaveLength(0);
    expect(request.ignored.filter((i) => i.reason.includes('acts in 444455556666/us-east-1'))).toHaveLength(2);
  });

  it('ignores a finding that names our resource but was imported into another product', () => {
    const forged = structuredClone(event);
    forged.detail.findings[0].ProductArn = 'arn:aws:securityhub:us-east-1:111122223333:product/acme/scanner';
    const request = readCustomAction(forged, scope);
    if ('error' in request) throw new Error(request.error);
    expect(request.refs.map((r) => r.id)).toEqual(['lt-0123456789abcdef0']);
    expect(request.ignored.some((i) => i.reason.includes('ProductArn arn:aws:securityhub:us-east-1:111122223333:product/acme/scanner'))).toBe(true);
  });

  it('rejects other events', () => {
    expect(readCustomAction({ ...event, 'detail-type': 'Security Hub Findings - Imported' }, scope)).toHaveProperty('error');
  });

  it('rejects unknown kinds', () => {
    expect(refOfFinding({ Id: 'imds-guard/us-east-1/111122223333/bucket/x/imdsv2', ProductFields: { 'imds-guard/kind': 'bucket', 'imds-guard/id': 'x' } })).toHaveProperty(
      'reason',
    );
  });

  it('rejects ids that are not valid resource ids, even inside a well-formed finding Id', () => {
    expect(refOfFinding({ Id: 'imds-guard/us-east-1/111122223333/instance/i-123;rm/imdsv2' })).toHaveProperty('reason');
    expect(refOfFinding({ Id: 'imds-guard/us-east-1/111122223333/instance/i-0abc1234def567890/imdsv2' })).toEqual({
      ref: { kind: 'instance', id: 'i-0abc1234def567890', account: '111122223333', region: 'us-east-1' },
    });
  });
});
