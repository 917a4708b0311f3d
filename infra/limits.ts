/**
 * The CloudFormation quotas a template must stay within on its deploy path
 * (the member template as a StackSet, the hub template as a stack, both
 * passed by TemplateURL). Source: CloudFormation User Guide, "Understand
 * CloudFormation quotas" (cloudformation-limits): template body in an S3
 * object 1 MB for CreateStack/UpdateStack/ValidateTemplate, in a request
 * 51,200 bytes; 200 parameters, 500 resources, 200 outputs per template; a
 * template description 1,024 bytes. CreateStackSet's TemplateURL is documented
 * with the same 1 MB (API reference, CreateStackSet). Whether "1 MB" means
 * 1,000,000 or 1,048,576 bytes is not stated: the smaller is enforced.
 */
export const TEMPLATE_LIMITS = {
  /** TemplateURL (S3 object), the deploy path of both templates. */
  bytes: 1_000_000,
  parameters: 200,
  resources: 500,
  outputs: 200,
  descriptionBytes: 1024,
} as const;

/** TemplateBody in a request: not used by any documented path, printed for comparison. */
export const TEMPLATE_BODY_BYTES = 51_200;

export interface TemplateMeasure {
  name: string;
  bytes: number;
  parameters: number;
  resources: number;
  outputs: number;
  descriptionBytes: number;
}

interface TemplateLike {
  Description?: string;
  Parameters?: Record<string, unknown>;
  Resources?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

/** The size of a template as the build writes it (compact JSON) and its counts. */
export function measureTemplate(name: string, template: TemplateLike, text = JSON.stringify(template)): TemplateMeasure {
  return {
    name,
    bytes: Buffer.byteLength(text),
    parameters: Object.keys(template.Parameters ?? {}).length,
    resources: Object.keys(template.Resources ?? {}).length,
    outputs: Object.keys(template.Outputs ?? {}).length,
    descriptionBytes: Buffer.byteLength(template.Description ?? ''),
  };
}

/** Every limit a template passes, as a sentence; empty when it fits. */
export function limitProblems(m: TemplateMeasure): string[] {
  const over = (what: string, value: number, limit: number, unit: string) =>
    value > limit ? [`${m.name}: ${[value.toLocaleString('en-US'), unit, what].filter(Boolean).join(' ')}, CloudFormation allows ${limit.toLocaleString('en-US')}`] : [];
  return [
    ...over('(TemplateURL object)', m.bytes, TEMPLATE_LIMITS.bytes, 'bytes'),
    ...over('', m.parameters, TEMPLATE_LIMITS.parameters, 'parameters'),
    ...over('', m.resources, TEMPLATE_LIMITS.resources, 'resources'),
    ...over('', m.outputs, TEMPLATE_LIMITS.outputs, 'outputs'),
    ...over('in the description', m.descriptionBytes, TEMPLATE_LIMITS.descriptionBytes, 'bytes'),
  ];
}

/** One line per template: each measure against its limit, and the share used of the tightest. */
export function limitReport(m: TemplateMeasure): string {
  const pct = (v: number, l: number) => `${((100 * v) / l).toFixed(1)}%`;
  return (
    `${m.name.padEnd(20)} ${m.bytes.toLocaleString('en-US').padStart(9)} / ${TEMPLATE_LIMITS.bytes.toLocaleString('en-US')} bytes (${pct(m.bytes, TEMPLATE_LIMITS.bytes)})` +
    `  parameters ${m.parameters}/${TEMPLATE_LIMITS.parameters}  resources ${m.resources}/${TEMPLATE_LIMITS.resources}  outputs ${m.outputs}/${TEMPLATE_LIMITS.outputs}` +
    `  (TemplateBody would allow ${TEMPLATE_BODY_BYTES.toLocaleString('en-US')}: deployed by URL)`
  );
}

/** Throws one message naming every limit passed, so the build stops before a deploy would. */
export function assertWithinLimits(measures: readonly TemplateMeasure[]): void {
  const problems = measures.flatMap(limitProblems);
  if (problems.length) {
    throw new Error(`template over a CloudFormation quota (docs/deploying.md, "What the build produces"):\n  ${problems.join('\n  ')}`);
  }
}
