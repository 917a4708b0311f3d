/**
 * cdk-nag's AwsSolutions pack over both templates, offline: each template is
 * included as it is (aws-cdk-lib/cloudformation-include) and checked. The
 * templates carry their own acknowledgements (`Metadata.cdk_nag.rules_to_suppress`,
 * infra/nag.ts); every finding must be acknowledged there with a reason, and
 * every acknowledgement must answer a finding (none left behind after a fix).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { renderMemberTemplate, type CfnTemplate } from '../../infra/cloudformation.js';
import { renderHubTemplate } from '../../infra/hub.js';

const dir = mkdtempSync(join(tmpdir(), 'imds-guard-nag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Finding {
  resource: string;
  id: string;
}

/** The AwsSolutions findings of a template; with `acknowledge`, its own acknowledgements applied first. */
function findings(name: string, template: CfnTemplate, acknowledge: boolean): Finding[] {
  const file = join(dir, `${name}-${acknowledge}.json`);
  writeFileSync(file, JSON.stringify(template));
  const app = new App();
  const included = new CfnInclude(new Stack(app, 'Checked'), 'Template', { templateFile: file });
  if (acknowledge) {
    for (const [id, ack] of acknowledgements(template)) Validations.of(included.getResource(id)).acknowledge({ id: ack.id, reason: ack.reason });
  }
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations
    .flatMap((v) => v.violatingResources.map((r) => ({ resource: String(r.constructPath).split('/').at(-1)!, id: v.ruleName })))
    .sort((a, b) => `${a.resource} ${a.id}`.localeCompare(`${b.resource} ${b.id}`));
}

/** [logical id, acknowledgement] of every acknowledgement a template carries. */
function acknowledgements(template: CfnTemplate): [string, { id: string; reason: string }][] {
  return Object.entries(template.Resources).flatMap(([id, r]) => {
    const list = ((r.Metadata?.cdk_nag as { rules_to_suppress?: { id: string; reason: string }[] } | undefined)?.rules_to_suppress ?? []);
    return list.map((a): [string, { id: string; reason: string }] => [id, a]);
  });
}

describe.each([
  ['member', renderMemberTemplate({ artifactVersion: '1.2.3-abc' })],
  ['hub', renderHubTemplate({ artifactVersion: '1.2.3-abc' })],
] as const)('cdk-nag AwsSolutions on the %s template', (name, template) => {
  const raw = findings(name, template, false);

  it('has no finding left unacknowledged', () => {
    expect(findings(name, template, true)).toEqual([]);
  });

  it('acknowledges only findings that exist, each with a reason', () => {
    const given = acknowledgements(template).map(([resource, a]) => ({ resource, id: a.id }));
    expect(given.sort((a, b) => `${a.resource} ${a.id}`.localeCompare(`${b.resource} ${b.id}`))).toEqual(raw);
    for (const [, a] of acknowledgements(template)) expect(a.reason.length, a.id).toBeGreaterThan(20);
  });

  it('fixes instead of acknowledging: TLS-only queues and bucket, no rule that failed to run', () => {
    const ids = raw.map((f) => f.id);
    for (const fixed of ['AwsSolutions-SQS4', 'AwsSolutions-S10', 'AwsSolutions-IAM5']) expect(ids, fixed).not.toContain(fixed);
    // Only the checks imds-guard answers with a reason: wildcard resources, the runtime, the state bucket's access logs, the hub's DLQ.
    expect([...new Set(ids.map((id) => id.replace(/\[.*$/, '')))].sort()).toEqual(
      name === 'member' ? ['AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-S1'] : ['AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-SQS3'],
    );
  });
});
