/**
 * The Security Hub custom action is created by this custom resource, inlined
 * as `Code.ZipFile` (CommonJS, AWS SDK v3 from the Lambda runtime).
 * CloudFormation does have `AWS::SecurityHub::ActionTarget` (AWS-FACTS.md),
 * but the offline validator the build relies on (@aws/cloudformation-validate)
 * rejects it as an unknown type, and the template must validate with 0 errors;
 * the custom resource also lets a StackSet roll out to accounts without
 * Security Hub (below).
 *
 * Where Security Hub is not enabled, Create succeeds without an action target
 * (logged, `Enabled=false` in the attributes) so a StackSet can roll out to
 * accounts that have no Security Hub yet; Delete ignores a missing target.
 */
export const ACTION_TARGET_PROVIDER_SOURCE = `'use strict';
const sh = require('@aws-sdk/client-securityhub');
const client = new sh.SecurityHubClient({});
const notEnabled = (e) => e.name === 'InvalidAccessException' || /not subscribed|not enabled/i.test(String(e.message));
exports.handler = async (event, context) => {
  const p = event.ResourceProperties;
  const [, partition, , region, account] = context.invokedFunctionArn.split(':');
  const arn = 'arn:' + partition + ':securityhub:' + region + ':' + account + ':action/custom/' + p.Id;
  let status = 'SUCCESS', reason = '', id = event.PhysicalResourceId || arn, enabled = 'true';
  try {
    if (event.RequestType === 'Delete') {
      if (id.includes(':action/custom/')) {
        try { await client.send(new sh.DeleteActionTargetCommand({ ActionTargetArn: id })); }
        catch (e) { if (e.name !== 'ResourceNotFoundException' && !notEnabled(e)) throw e; }
      }
    } else if (event.RequestType === 'Update' && id === arn) {
      await client.send(new sh.UpdateActionTargetCommand({ ActionTargetArn: arn, Name: p.Name, Description: p.Description }));
    } else {
      try {
        await client.send(new sh.CreateActionTargetCommand({ Id: p.Id, Name: p.Name, Description: p.Description }));
      } catch (e) {
        if (e.name === 'ResourceConflictException') {
          await client.send(new sh.UpdateActionTargetCommand({ ActionTargetArn: arn, Name: p.Name, Description: p.Description }));
        } else if (notEnabled(e)) {
          console.warn('Security Hub is not enabled in ' + account + '/' + region + ': no custom action created (' + e.message + ')');
          enabled = 'false';
        } else throw e;
      }
      id = arn;
    }
  } catch (e) {
    status = 'FAILED';
    reason = String(e.name) + ': ' + String(e.message) + ' (log stream ' + context.logStreamName + ')';
    console.error(reason);
  }
  const body = JSON.stringify({
    Status: status, Reason: reason, PhysicalResourceId: id, StackId: event.StackId,
    RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: { Arn: arn, Enabled: enabled },
  });
  await fetch(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '' }, body });
};
`;
