/** `Fn::Sub` fragments for the resources of IAM statements (infra renders them for both deployments). */
export const ARN = 'arn:${AWS::Partition}';
export const HERE = '${AWS::Region}:${AWS::AccountId}';
