/**
 * Identifier validation. Everything taken from an event passes through here
 * before it becomes a ResourceRef, so a malformed or hostile value (`i-123;rm`)
 * never reaches an AWS call or a log line unquoted. Pure, never throws.
 */

export type Validation = { ok: true; value: string } | { ok: false; reason: string };

/** `i-` and 8 (older) or 17 lowercase hex digits. */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** `lt-` and 17 lowercase hex digits. */
export const LAUNCH_TEMPLATE_ID = /^lt-[0-9a-f]{17}$/;
/** EC2 CreateLaunchTemplate: LaunchTemplateName, 3-128 characters of `[a-zA-Z0-9().\-/_]`. */
export const LAUNCH_TEMPLATE_NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;
export const ACCOUNT_ID = /^\d{12}$/;
/** `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-northwest-1`, `us-isob-east-1`. */
export const REGION = /^[a-z]{2}(?:-[a-z]+){1,3}-\d{1,2}$/;

/**
 * Launch configuration names: Auto Scaling types them `XmlStringMaxLen255`
 * (1-255 characters, pattern `[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*`).
 * That pattern admits `:` and spaces, so we do too, but we are stricter on
 * two points: no control characters at all (the API's \r\n\t included; no
 * real name needs them and they break log lines), and no value starting with
 * `arn:` (that is an ARN, which callers must reduce to its name first).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Quoted, shortened rendering of a bad value for a reason string. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function check(value: unknown, what: string, pattern: RegExp, expected: string): Validation {
  if (typeof value !== 'string') return { ok: false, reason: `${what} must be a string, got ${show(value)}` };
  if (!pattern.test(value)) return { ok: false, reason: `${what} ${show(value)} is not ${expected}` };
  return { ok: true, value };
}

export function validateInstanceId(value: unknown): Validation {
  return check(value, 'instance id', INSTANCE_ID, "'i-' followed by 8 or 17 lowercase hex digits");
}

export function validateLaunchTemplateId(value: unknown): Validation {
  return check(value, 'launch template id', LAUNCH_TEMPLATE_ID, "'lt-' followed by 17 lowercase hex digits");
}

export function validateLaunchTemplateName(value: unknown): Validation {
  return check(value, 'launch template name', LAUNCH_TEMPLATE_NAME, '3-128 characters of letters, digits and ( ) . - / _');
}

/** A launch template reference: an `lt-` id, or (where the event only has one) a name the loader resolves. */
export function validateLaunchTemplateRef(value: unknown): Validation {
  if (typeof value === 'string' && value.startsWith('lt-') && LAUNCH_TEMPLATE_ID.test(value)) return { ok: true, value };
  const asName = validateLaunchTemplateName(value);
  if (asName.ok) return asName;
  return { ok: false, reason: `launch template ${show(value)} is neither an 'lt-' id nor a valid launch template name` };
}

export function validateLaunchConfigurationName(value: unknown): Validation {
  if (typeof value !== 'string') return { ok: false, reason: `launch configuration name must be a string, got ${show(value)}` };
  if (value.length < 1 || value.length > 255) {
    return { ok: false, reason: `launch configuration name ${show(value)} must be 1-255 characters` };
  }
  if (CONTROL.test(value)) return { ok: false, reason: `launch configuration name ${show(value)} contains control characters` };
  if (LONE_SURROGATE.test(value)) return { ok: false, reason: `launch configuration name ${show(value)} is not valid Unicode` };
  if (value.startsWith('arn:')) return { ok: false, reason: `launch configuration name ${show(value)} is an ARN, not a name` };
  if (value.trim() !== value || value.trim() === '') {
    return { ok: false, reason: `launch configuration name ${show(value)} has leading or trailing spaces` };
  }
  return { ok: true, value };
}

export function validateAccountId(value: unknown): Validation {
  return check(value, 'account id', ACCOUNT_ID, '12 digits');
}

export function validateRegion(value: unknown): Validation {
  return check(value, 'region', REGION, 'a region name such as us-east-1 or us-gov-west-1');
}

/**
 * The name in a launch configuration ARN
 * (`arn:aws:autoscaling:us-east-1:111122223333:launchConfiguration:<uuid>:launchConfigurationName/<name>`).
 */
export function launchConfigurationNameFromArn(value: string): string | undefined {
  const match = /^arn:aws[a-z-]*:autoscaling:[^:]*:\d{12}:launchConfiguration:[^:]*:launchConfigurationName\/(.+)$/s.exec(value);
  return match?.[1];
}
