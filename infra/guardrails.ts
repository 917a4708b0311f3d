/**
 * Preventive policies that complete imds-guard (pure; `npm run build` writes
 * them to dist/guardrails/, the CLI can print them):
 *
 * - an SCP: no instance launches without IMDSv2, no switching an instance
 *   back to IMDSv1, no new launch configurations without IMDSv2;
 * - the EC2 declarative policy for the account-level IMDS defaults (new
 *   instances default to IMDSv2, and accounts cannot change that default).
 *
 * Condition keys (Service Authorization Reference): `ec2:MetadataHttpTokens`,
 * `ec2:MetadataHttpPutResponseHopLimit` and `ec2:MetadataHttpEndpoint` on
 * RunInstances (instance resource) and ModifyInstanceMetadataOptions;
 * `autoscaling:MetadataHttpTokens`, `autoscaling:MetadataHttpPutResponseHopLimit`
 * and `autoscaling:MetadataHttpEndpoint` on CreateLaunchConfiguration.
 */

export interface IamStatement {
  Sid: string;
  Effect: 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition: Record<string, Record<string, string | number | string[]>>;
}

export interface ServiceControlPolicy {
  Version: '2012-10-17';
  Statement: IamStatement[];
}

export interface GuardrailOptions {
  /**
   * Principals allowed to bypass the SCP (break-glass roles), as ARN patterns
   * such as `arn:aws:iam::*:role/BreakGlass`. Empty: nobody.
   */
  exemptPrincipalArns?: readonly string[];
  /**
   * Also deny launches and changes that set a hop limit above this value.
   * Off by default: containers on EC2 commonly need 2, some setups more.
   */
  maxHopLimit?: number;
  /** The message EC2 returns when the declarative policy blocks a change. */
  exceptionMessage?: string;
  /**
   * Opt-in: also set `http_tokens_enforced` in the declarative
   * policy, so launches and changes that ask for IMDSv1 are refused outright
   * (the org-wide form of the account default's HttpTokensEnforced). Off by
   * default: it breaks any launch that still requests HttpTokens=optional.
   */
  httpTokensEnforced?: boolean;
}

function exempt(options: GuardrailOptions): Record<string, Record<string, string[]>> {
  const arns = options.exemptPrincipalArns ?? [];
  return arns.length ? { ArnNotLike: { 'aws:PrincipalARN': [...arns] } } : {};
}

export function imdsV2Scp(options: GuardrailOptions = {}): ServiceControlPolicy {
  const unless = exempt(options);
  const statements: IamStatement[] = [
    {
      // RunInstances is authorized per resource; the metadata keys are on the instance resource.
      Sid: 'RequireImdsV2AtLaunch',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: 'arn:*:ec2:*:*:instance/*',
      Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' }, ...unless },
    },
    {
      // Changes that do not touch HttpTokens (hop limit only, endpoint) carry no key and pass.
      Sid: 'DenyReturnToImdsV1',
      Effect: 'Deny',
      Action: 'ec2:ModifyInstanceMetadataOptions',
      Resource: '*',
      Condition: { StringEquals: { 'ec2:MetadataHttpTokens': 'optional' }, ...unless },
    },
    {
      Sid: 'RequireImdsV2InLaunchConfigurations',
      Effect: 'Deny',
      Action: 'autoscaling:CreateLaunchConfiguration',
      Resource: '*',
      Condition: { StringNotEquals: { 'autoscaling:MetadataHttpTokens': 'required' }, ...unless },
    },
  ];
  if (options.maxHopLimit !== undefined) {
    const max = options.maxHopLimit;
    if (!Number.isInteger(max) || max < 1 || max > 64) throw new Error(`maxHopLimit must be 1..64, got ${max}`);
    statements.push(
      {
        Sid: 'LimitHopLimitAtLaunch',
        Effect: 'Deny',
        Action: 'ec2:RunInstances',
        Resource: 'arn:*:ec2:*:*:instance/*',
        Condition: { NumericGreaterThan: { 'ec2:MetadataHttpPutResponseHopLimit': max }, ...unless },
      },
      {
        Sid: 'LimitHopLimitOnChange',
        Effect: 'Deny',
        Action: 'ec2:ModifyInstanceMetadataOptions',
        Resource: '*',
        Condition: { NumericGreaterThan: { 'ec2:MetadataHttpPutResponseHopLimit': max }, ...unless },
      },
      {
        Sid: 'LimitHopLimitInLaunchConfigurations',
        Effect: 'Deny',
        Action: 'autoscaling:CreateLaunchConfiguration',
        Resource: '*',
        Condition: { NumericGreaterThan: { 'autoscaling:MetadataHttpPutResponseHopLimit': max }, ...unless },
      },
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}

type Assign<T extends string> = { '@@assign': T };

/** AWS Organizations declarative policy (EC2), `instance_metadata_defaults` attribute. */
export interface Ec2DeclarativePolicy {
  ec2_attributes: {
    exception_message?: Assign<string>;
    instance_metadata_defaults: {
      http_tokens: Assign<'no_preference' | 'required' | 'optional'>;
      /** `-1` is no preference; otherwise 1..64, as a string. */
      http_put_response_hop_limit: Assign<string>;
      http_endpoint: Assign<'no_preference' | 'enabled' | 'disabled'>;
      instance_metadata_tags: Assign<'no_preference' | 'enabled' | 'disabled'>;
      /**
       * 2026 syntax (AWS-FACTS.md: Organizations user guide, declarative
       * policy syntax); the values follow the attribute's siblings. Left out
       * unless asked for, so the document also validates where it is unknown.
       */
      http_tokens_enforced?: Assign<'no_preference' | 'enabled' | 'disabled'>;
    };
  };
}

/**
 * New instances default to IMDSv2 (`http_tokens: required`); everything else
 * is left to the launch request (`no_preference`, hop limit `-1`), so the
 * policy changes nothing but the IMDS version.
 */
export function imdsDefaultsDeclarativePolicy(options: GuardrailOptions = {}): Ec2DeclarativePolicy {
  const policy: Ec2DeclarativePolicy = {
    ec2_attributes: {
      instance_metadata_defaults: {
        http_tokens: { '@@assign': 'required' },
        http_put_response_hop_limit: { '@@assign': '-1' },
        http_endpoint: { '@@assign': 'no_preference' },
        instance_metadata_tags: { '@@assign': 'no_preference' },
      },
    },
  };
  if (options.exceptionMessage) policy.ec2_attributes.exception_message = { '@@assign': options.exceptionMessage };
  if (options.httpTokensEnforced) policy.ec2_attributes.instance_metadata_defaults.http_tokens_enforced = { '@@assign': 'enabled' };
  return policy;
}

/** File name → document, as the build writes them under dist/guardrails/. */
export function guardrailDocuments(options: GuardrailOptions = {}): Record<string, unknown> {
  return {
    'scp-imdsv2.json': imdsV2Scp(options),
    'declarative-policy-ec2.json': imdsDefaultsDeclarativePolicy(options),
  };
}

/** The documents with default options (what the CLI prints and the build writes). */
export const serviceControlPolicy: ServiceControlPolicy = imdsV2Scp();
export const declarativePolicy: Ec2DeclarativePolicy = imdsDefaultsDeclarativePolicy();
