/**
 * What a control is: the Security Hub control (or imds-guard's own check) a
 * check of a kind corresponds to, with the words and severity its findings
 * carry. Each kind lists its controls in its description (shared/kinds/).
 *
 * Severities of Security Hub's own controls are the ones Security Hub itself
 * assigns (Security Hub CSPM controls reference): EC2.8 High, EC2.170 Low,
 * AutoScaling.3 High. Security Hub retired AutoScaling.4 (launch configuration
 * hop limit) in April 2024: imds-guard keeps the check as its own control
 * `launch-configuration-hop-limit`, with the policy's ceiling instead of 1.
 * imds-guard's own controls (no Security Hub equivalent) are Medium: they are
 * defence in depth (the hop limit only matters with containers or forwarding
 * on the host) or affect future launches only (account default).
 */
import type { ControlId } from '../model.js';

export type SeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** An ASFF `Resources[].Type` value (`AwsEc2Instance`, …). */
export type AsffResourceType = string;

export interface Control {
  id: ControlId;
  /** Security Hub's control id (e.g. `EC2.8`), or `undefined` for imds-guard's own. */
  securityHubControl?: string;
  /** The control's title (Security Hub's wording for its own controls). */
  title: string;
  /** The severity of a FAILED finding (passed and not-applicable findings are INFORMATIONAL). */
  severity: SeverityLabel;
  /** How to fix it, at most 512 characters (ASFF Remediation.Recommendation.Text). */
  remediation: string;
  remediationUrl: string;
  /** Framework requirements Security Hub lists for the control (only where confirmed in its reference). */
  relatedRequirements: string[];
  /** Extra facts worth showing, e.g. that Security Hub retired the control. */
  note?: string;
}

/** The severity of imds-guard's own controls. */
export const OWN_CONTROL_SEVERITY: SeverityLabel = 'MEDIUM';

export const SH_ASG = 'https://docs.aws.amazon.com/securityhub/latest/userguide/autoscaling-controls.html';
export const EC2_GUIDE = 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide';
