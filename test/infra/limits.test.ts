/** The build's check of the CloudFormation quotas that matter to the templates' deploy path (infra/limits.ts). */
import { describe, expect, it } from 'vitest';
import { renderMemberTemplate } from '../../infra/cloudformation.js';
import { renderHubTemplate } from '../../infra/hub.js';
import { assertWithinLimits, limitProblems, limitReport, measureTemplate, TEMPLATE_LIMITS } from '../../infra/limits.js';

const many = (n: number, make: (i: number) => unknown) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`X${i}`, make(i)]));

describe('template quotas', () => {
  it('passes both templates as rendered', () => {
    for (const [name, t] of [['member-template.json', renderMemberTemplate()], ['hub-template.json', renderHubTemplate()]] as const) {
      expect(limitProblems(measureTemplate(name, t))).toEqual([]);
    }
  });

  it('names each quota a template passes, and only those', () => {
    const fits = { Description: 'd', Parameters: many(200, () => ({})), Resources: many(500, () => ({})), Outputs: many(200, () => ({})) };
    expect(limitProblems(measureTemplate('edge.json', fits))).toEqual([]);
    const over = { Description: 'x'.repeat(1025), Parameters: many(201, () => ({})), Resources: many(501, () => ({})), Outputs: many(201, () => ({})) };
    expect(limitProblems(measureTemplate('over.json', over))).toEqual([
      'over.json: 201 parameters, CloudFormation allows 200',
      'over.json: 501 resources, CloudFormation allows 500',
      'over.json: 201 outputs, CloudFormation allows 200',
      'over.json: 1,025 bytes in the description, CloudFormation allows 1,024',
    ]);
    const big = { Resources: { Big: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'x'.repeat(TEMPLATE_LIMITS.bytes) } } } };
    expect(limitProblems(measureTemplate('big.json', big))).toEqual([expect.stringMatching(/^big\.json: 1,000,\d{3} bytes \(TemplateURL object\), CloudFormation allows 1,000,000$/)]);
  });

  it('stops the build with every problem in one message', () => {
    const over = measureTemplate('member-template.json', { Parameters: many(201, () => ({})), Outputs: many(201, () => ({})) });
    expect(() => assertWithinLimits([measureTemplate('hub-template.json', renderHubTemplate()), over])).toThrow(
      /template over a CloudFormation quota[\s\S]*member-template\.json: 201 parameters[\s\S]*member-template\.json: 201 outputs/,
    );
  });

  it('reports size and counts against the limits', () => {
    const m = measureTemplate('member-template.json', renderMemberTemplate());
    expect(limitReport(m)).toMatch(new RegExp(`^member-template\\.json +${m.bytes.toLocaleString('en-US')} / 1,000,000 bytes \\(\\d+\\.\\d%\\)  parameters ${m.parameters}/200  resources ${m.resources}/500  outputs ${m.outputs}/200`));
  });
});
