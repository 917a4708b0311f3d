/**
 * Launch configuration names (and the name inside an ARN), validated before they become a ResourceRef. Pure, never throws.
 */
import { show, type Validation } from '../../validate.js';


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

/**
 * The name in a launch configuration ARN
 * (`arn:aws:autoscaling:us-east-1:111122223333:launchConfiguration:<uuid>:launchConfigurationName/<name>`).
 */
export function launchConfigurationNameFromArn(value: string): string | undefined {
  const match = /^arn:aws[a-z-]*:autoscaling:[^:]*:\d{12}:launchConfiguration:[^:]*:launchConfigurationName\/(.+)$/s.exec(value);
  return match?.[1];
}
