/**
 * Launch template ids and names, validated before they become a ResourceRef. Pure, never throws.
 */
import { check, show, type Validation } from '../../validate.js';


/** `lt-` and 17 lowercase hex digits. */
export const LAUNCH_TEMPLATE_ID = /^lt-[0-9a-f]{17}$/;

/** EC2 CreateLaunchTemplate: LaunchTemplateName, 3-128 characters of `[a-zA-Z0-9().\-/_]`. */
export const LAUNCH_TEMPLATE_NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;

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
