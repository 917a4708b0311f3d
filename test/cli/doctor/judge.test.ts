import { describe, expect, it } from 'vitest';
import { judgeConfig, judgeStage, logsManagementWrites, sweepIntervalHours } from '../../../cli/doctor/judge.js';

describe('doctor judgement', () => {
  it('reads advanced event selectors: management events unless read-only', () => {
    const mgmt = { Name: 'mgmt', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] };
    const readOnly = { Name: 'ro', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['true'] }] };
    const data = { Name: 'data', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }] };
    expect(logsManagementWrites({ eventSelectors: [], advancedEventSelectors: [mgmt] })).toBe(true);
    expect(logsManagementWrites({ eventSelectors: [], advancedEventSelectors: [readOnly, data] })).toBe(false);
    expect(logsManagementWrites({ eventSelectors: [{ ReadWriteType: 'WriteOnly' }], advancedEventSelectors: [] })).toBe(true);
    expect(logsManagementWrites({ eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false }], advancedEventSelectors: [] })).toBe(false);
  });

  it('an exclusion recorder that excludes a needed type fails; EnableConfigRule=false turns it into a warning', () => {
    const facts = {
      recorders: [{ name: 'default', recordingGroup: { allSupported: false, recordingStrategy: { useOnly: 'EXCLUSION_BY_RESOURCE_TYPES' as const }, exclusionByResourceTypes: { resourceTypes: ['AWS::EC2::LaunchTemplate' as const] } } }],
      statuses: [{ name: 'default', recording: true }],
    };
    expect(judgeConfig('us-east-1', facts, true)).toMatchObject({ status: 'fail', detail: 'recorder default does not record AWS::EC2::LaunchTemplate' });
    expect(judgeConfig('us-east-1', facts, false).status).toBe('warn');
  });

  it('sweep interval from the schedule', () => {
    expect(sweepIntervalHours('rate(6 hours)')).toBe(6);
    expect(sweepIntervalHours('rate(30 minutes)')).toBe(0.5);
    expect(sweepIntervalHours('rate(1 day)')).toBe(24);
    expect(sweepIntervalHours('cron(0 3 * * ? *)')).toBe(24);
  });
});

describe('judgeStage', () => {
  it('weighs the published stage against IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT', () => {
    expect(judgeStage('us-east-1', { stage: 'migrating', blockers: 3 }, 'true')).toMatchObject({ status: 'warn', detail: expect.stringContaining('refused until the account-region is ready') });
    expect(judgeStage('us-east-1', { stage: 'managed', blockers: 0 }, 'when-ready')).toMatchObject({ status: 'warn', fix: expect.stringContaining('http_tokens_enforced') });
    expect(judgeStage('us-east-1', { stage: 'ready', blockers: 0 }, 'false')).toMatchObject({ status: 'ok', detail: expect.stringContaining('when-ready') });
    expect(judgeStage('us-east-1', { stage: 'enforced', blockers: 0 }, 'true')).toMatchObject({ status: 'ok' });
    expect(judgeStage('us-east-1', undefined, 'true')).toMatchObject({ status: 'skip' });
  });
});
