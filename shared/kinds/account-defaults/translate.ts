/**
 * GetInstanceMetadataDefaults `AccountLevel` → the account-defaults subject. Pure.
 */
import type { InstanceMetadataDefaultsResponse } from '@aws-sdk/client-ec2';
import type { AccountDefaultsSubject } from './subject.js';
import type { Scope } from '../../model.js';
import { accountDefaultsMetadata, oneOf, ref } from '../../aws/translate.js';

export function accountDefaultsSubject(
  accountLevel: InstanceMetadataDefaultsResponse | undefined,
  scope: Scope,
): AccountDefaultsSubject {
  const subject: AccountDefaultsSubject = {
    kind: 'account-defaults',
    ref: ref('account-defaults', scope.account, scope),
    metadata: accountDefaultsMetadata(accountLevel),
  };
  const enforced = oneOf(accountLevel?.HttpTokensEnforced, ['enabled', 'disabled'] as const);
  if (enforced !== undefined) subject.httpTokensEnforced = enforced === 'enabled';
  const managedBy = oneOf(accountLevel?.ManagedBy, ['account', 'declarative-policy'] as const);
  if (managedBy !== undefined) subject.managedBy = managedBy;
  if (accountLevel?.ManagedExceptionMessage) subject.managedExceptionMessage = accountLevel.ManagedExceptionMessage;
  return subject;
}
