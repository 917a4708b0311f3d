/// <reference path="./.sst/platform/config.d.ts" />
/**
 * imds-guard deployments (the pipeline itself is described once in infra/stack.ts).
 *
 *   npx sst deploy --stage <name>   the member stack in every region of IMDS_GUARD_REGIONS,
 *                                   in the current account
 *   npx sst deploy --stage org      from the management / delegated administrator account:
 *                                   artifact buckets + service-managed StackSet (IMDS_GUARD_ORG_UNITS)
 *   npx sst deploy --stage hub      in the Security Hub administrator account: the organization-wide
 *                                   custom action (assumes the member role; see docs/deploying.md, "Organization hub")
 *
 * Settings come from the environment (docs/settings.md); `npm run build` runs first.
 */
export default $config({
  app(input) {
    return {
      name: 'imds-guard',
      home: 'aws',
      // Everything is removable: `sst remove` leaves no functions, roles, buckets or stack sets behind.
      removal: 'remove',
      protect: false,
      providers: { aws: { version: '7.20.0' } },
    };
  },
  async run() {
    const { deploy } = await import('./infra/sst.js');
    return deploy();
  },
});
