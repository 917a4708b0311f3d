/** Names every part of the deployment shares (templates, SST, the build, the CLI). */
export const APP_NAME = 'imds-guard';
/** Default name of the member role the hub assumes (`IMDS_GUARD_MEMBER_ROLE`). */
export const MEMBER_ROLE_NAME = 'imds-guard-member';
/** IAM path of every role and managed policy; `shared/lambda/context.ts` recognises our own changes by it. */
export const ROLE_PATH = '/imds-guard/';
