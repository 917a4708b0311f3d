/**
 * The Inventory: lists everything in one account and region as subjects,
 * one API page at a time, so a sweep over 50,000 instances never holds more
 * than a page (≤1000 instances) in memory here.
 *
 * Launch templates are listed through DescribeLaunchTemplateVersions with
 * `Versions: ['$Default']` and no template id (the default version of every
 * template, paged), and each page's names, tags and version numbers come
 * from one DescribeLaunchTemplates call by id; only templates whose `$Latest`
 * differs from the default cost one more call each.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client, InstanceMetadataDefaultsResponse, LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import { pageLaunchConfigurations } from './aws/autoscaling.js';
import { mapLimit } from './aws/batch.js';
import {
  DEFAULT_CONCURRENCY,
  describeLaunchTemplatesByIds,
  describeLaunchTemplateVersions,
  getInstanceMetadataDefaults,
  pageAccountTemplateVersions,
  pageInstances,
} from './aws/ec2.js';
import {
  accountDefaultsMetadata,
  accountDefaultsSubject,
  instanceSubject,
  launchConfigurationSubject,
  launchTemplateSubject,
  toNumber,
} from './aws/translate.js';
import type { Scope } from './aws/translate.js';
import type { AccountDefaultsSubject, InstanceSubject, LaunchConfigurationSubject, LaunchTemplateSubject } from './model.js';
import type { Inventory } from './ports.js';

export interface InventoryClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

export interface InventoryOptions extends Scope {
  /** Calls in flight at once for per-template `$Latest` look-ups. Default 4. */
  concurrency?: number;
}

export function createInventory(clients: InventoryClients, options: InventoryOptions): Inventory {
  const scope: Scope = { account: options.account, region: options.region };
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;

  async function* instances(): AsyncGenerator<InstanceSubject[]> {
    for await (const page of pageInstances(clients.ec2)) {
      yield page.map((instance) => instanceSubject(instance, scope));
    }
  }

  async function* launchTemplates(): AsyncGenerator<LaunchTemplateSubject[]> {
    let level: Promise<InstanceMetadataDefaultsResponse | undefined> | undefined;
    for await (const defaults of pageAccountTemplateVersions(clients.ec2, '$Default')) {
      const byId = new Map<string, LaunchTemplateVersion>();
      for (const v of defaults) if (v.LaunchTemplateId) byId.set(v.LaunchTemplateId, v);
      // Templates deleted since the versions page was read come back missing and are skipped.
      const { templates } = await describeLaunchTemplatesByIds(clients.ec2, [...byId.keys()], { concurrency });
      const latest = await mapLimit(templates, concurrency, async (template) => {
        const latestNumber = toNumber(template.LatestVersionNumber);
        const defaultVersion = byId.get(template.LaunchTemplateId ?? '');
        if (!template.LaunchTemplateId || latestNumber === undefined || defaultVersion === undefined) return undefined;
        if (latestNumber === toNumber(defaultVersion.VersionNumber)) return undefined;
        const versions = await describeLaunchTemplateVersions(clients.ec2, template.LaunchTemplateId, ['$Latest']);
        return versions?.[0];
      });
      const accountDefaults = accountDefaultsMetadata(await (level ??= getInstanceMetadataDefaults(clients.ec2)));
      const page: LaunchTemplateSubject[] = [];
      templates.forEach((template, i) => {
        const defaultVersion = byId.get(template.LaunchTemplateId ?? '');
        if (defaultVersion === undefined) return;
        page.push(launchTemplateSubject(template, defaultVersion, latest[i], scope, accountDefaults));
      });
      if (page.length > 0) yield page;
    }
  }

  async function* launchConfigurations(): AsyncGenerator<LaunchConfigurationSubject[]> {
    for await (const page of pageLaunchConfigurations(clients.autoScaling)) {
      yield page.map((lc) => launchConfigurationSubject(lc, scope));
    }
  }

  async function accountDefaults(): Promise<AccountDefaultsSubject> {
    return accountDefaultsSubject(await getInstanceMetadataDefaults(clients.ec2), scope);
  }

  return { instances, launchTemplates, launchConfigurations, accountDefaults };
}
