/**
 * Graduation: AWS's own enforcement (HttpTokensEnforced) on the account
 * default, switched on only where the account-region is `ready`
 * (IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT when-ready, and true's new gate), never
 * where a declarative policy manages the default.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../../shared/engine/decide.js';
import { evaluate } from '../../shared/engine/evaluate.js';
import type { AccountDefaultsSubject } from '../../shared/kinds/account-defaults/subject.js';
import type { EnforceAccountDefault } from '../../shared/policy.js';
import type { Plan } from '../../shared/verdict.js';
import { NOW, accountSubject, policy } from '../act/helpers.js';
import { stageReport } from '../support/subjects.js';

const REQUIRED = { httpTokens: 'required' as const };

/** The plan of the sweep in enforce mode, from the verdict evaluate gives. */
function planOf(subject: AccountDefaultsSubject, enforce: EnforceAccountDefault): Plan {
  const p = policy({ mode: 'enforce', enforceAccountDefault: enforce });
  return decide(evaluate(subject, p), p, { now: NOW });
}

const gate = (plan: Plan) => plan.gates.find((g) => g.gate === 'enforcement-ready');

describe('IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT=when-ready', () => {
  it('switches enforcement on in a ready account-region', () => {
    const plan = planOf(accountSubject({ metadata: REQUIRED, stage: stageReport('ready') }), 'when-ready');
    expect(plan).toMatchObject({ action: 'modify-instance-metadata-defaults', execute: true, httpTokensEnforced: true });
    expect(gate(plan)).toMatchObject({ passed: true, reason: expect.stringContaining('ready') });
  });

  it.each(['exposed', 'migrating', 'unknown'] as const)('waits in a %s account-region: compliant, nothing planned, the finding says the stage', (stage) => {
    const p = policy({ mode: 'enforce', enforceAccountDefault: 'when-ready' });
    const subject = accountSubject({ metadata: REQUIRED, stage: stageReport(stage) });
    const verdict = evaluate(subject, p);
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.checks.find((c) => c.check === 'imdsv2')?.reason).toContain(`Stage ${stage}`);
    const plan = decide(verdict, p, { now: NOW });
    expect(plan.execute).toBe(false);
    expect(plan.httpTokensEnforced).toBeUndefined();
  });

  it('never where a declarative policy manages the default, even with nothing blocking', () => {
    const managed = accountSubject({ metadata: REQUIRED, managedBy: 'declarative-policy', stage: stageReport('managed', { blockers: [] }) });
    const plan = planOf(managed, 'when-ready');
    expect(plan.execute).toBe(false);
    expect(plan.httpTokensEnforced).toBeUndefined();
  });

  it('not again where enforcement was rolled back, until a person clears the mark', () => {
    const subject = accountSubject({
      metadata: REQUIRED,
      stage: stageReport('ready'),
      enforcement: {
        kind: 'read',
        where: 's3://state/enforcement.json',
        record: { version: 1, account: '111122223333', region: 'us-east-1', mark: { at: '2026-03-01T10:00:00Z', action: 'disabled', by: 'watch' } },
      },
    });
    expect(planOf(subject, 'when-ready').execute).toBe(false);
    const forced = planOf(subject, 'true');
    expect(forced.execute).toBe(false);
    expect(gate(forced)).toMatchObject({ passed: false, reason: expect.stringContaining('rolled back') });
  });

  it('still sets HttpTokens=required where not ready, without enforcement: that is what makes it ready', () => {
    const plan = planOf(accountSubject({ metadata: {}, stage: stageReport('migrating') }), 'when-ready');
    expect(plan).toMatchObject({ execute: true });
    expect(plan.httpTokensEnforced).toBeUndefined();
    expect(plan.summary).not.toMatch(/with HttpTokensEnforced/);
  });
});

describe('IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT=true', () => {
  it('switches enforcement on where ready', () => {
    expect(planOf(accountSubject({ metadata: REQUIRED, stage: stageReport('ready') }), 'true')).toMatchObject({ execute: true, httpTokensEnforced: true });
  });

  it('is refused where not ready, and the plan names the blockers with their ids', () => {
    const plan = planOf(accountSubject({ metadata: REQUIRED, stage: stageReport('migrating') }), 'true');
    expect(plan.execute).toBe(false);
    expect(gate(plan)).toMatchObject({ passed: false });
    expect(gate(plan)?.reason).toContain('IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT=true asks for HttpTokensEnforced, refused');
    expect(plan.summary).toContain('lt-0bbbbbbbbbbbbbbb1');
    expect(plan.summary).toContain('Stage migrating');
  });

  it('is refused where the stage is not known (an event, a custom action): the sweep and the CLI compute it', () => {
    const plan = planOf(accountSubject({ metadata: REQUIRED }), 'true');
    expect(plan.execute).toBe(false);
    expect(gate(plan)?.reason).toContain('not known in this run');
  });

  it('keeps the finding non-compliant while enforcement is off, whatever the stage', () => {
    const p = policy({ enforceAccountDefault: 'true' });
    expect(evaluate(accountSubject({ metadata: REQUIRED, stage: stageReport('migrating') }), p).compliance).toBe('NON_COMPLIANT');
  });

  it('where not ready but HttpTokens is not required yet: that part goes ahead, enforcement is left off and the summary says why', () => {
    const plan = planOf(accountSubject({ metadata: {}, stage: stageReport('migrating') }), 'true');
    expect(plan.execute).toBe(true);
    expect(plan.httpTokensEnforced).toBeUndefined();
    expect(gate(plan)).toMatchObject({ passed: true, reason: expect.stringContaining('HttpTokensEnforced left out of this change') });
    expect(plan.summary).toContain('HttpTokensEnforced left off');
  });

  it('never where a declarative policy manages the default: the whole change is held', () => {
    const managed = accountSubject({ metadata: {}, managedBy: 'declarative-policy', managedExceptionMessage: 'owned by the platform team' });
    const plan = planOf({ ...managed, stage: stageReport('managed') }, 'true');
    expect(plan.execute).toBe(false);
    expect(gate(plan)?.reason).toContain('owned by the platform team');
  });

  it('does nothing more once enforced', () => {
    const plan = planOf(accountSubject({ metadata: REQUIRED, httpTokensEnforced: true, stage: stageReport('enforced') }), 'true');
    expect(plan.action).toBe('none');
  });
});

describe('IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT=false', () => {
  it('never asks for enforcement, even where ready', () => {
    const plan = planOf(accountSubject({ metadata: {}, stage: stageReport('ready') }), 'false');
    expect(plan.httpTokensEnforced).toBeUndefined();
    expect(gate(plan)?.reason).toContain('does not apply');
  });
});
