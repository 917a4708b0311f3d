/** `Fn::Sub` fragments for the resources of IAM statements (infra renders them for both deployments). */
export const ARN = 'arn:${AWS::Partition}';
export const HERE = '${AWS::Region}:${AWS::AccountId}';

/** The reason of every statement of Describe/List/Get calls on `*` (Service Authorization Reference: no resource types). */
export const DESCRIBE_REASON = 'These Describe/List calls accept no resource ARN (Service Authorization Reference: no resource types).';
