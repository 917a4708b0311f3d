/**
 * The Inventory: lists everything in one account and region as subjects,
 * one API page at a time, so a sweep over 50,000 instances never holds more
 * than a page (≤1000 instances) in memory here.
 *
 * Launch templates are listed through DescribeLaunchTemplateVersions with
 * `Versions: ['$Default', '$Latest']` and no template id (both versions of
 * every template, paged), and their names, tags and version numbers come from
 * DescribeLaunchTemplates by id, 200 ids a call: no call per template.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client, InstanceMetadataDefaultsResponse, LaunchTemplate, LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import { pageLaunchConfigurations } from './aws/autoscaling.js';
import {
  DEFAULT_CONCURRENCY,
  describeLaunchTemplatesByIds,
  describeLaunchTemplateVersions,
  getInstanceMetadataDefaults,
  LAUNCH_TEMPLATES_PAGE_SIZE,
  pageAccountTemplateVersions,
  pageInstances,
  pickDefaultAndLatest,
  type TemplateWithVersions,
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

  // One GetInstanceMetadataDefaults per inventory (an inventory is one run's view):
  // templates and the account-defaults subject share it.
  let level: Promise<InstanceMetadataDefaultsResponse | undefined> | undefined;
  const accountLevel = (): Promise<InstanceMetadataDefaultsResponse | undefined> => (level ??= getInstanceMetadataDefaults(clients.ec2));

  /**
   * One account-wide listing of `$Default` AND `$Latest` (one item when they
   * are the same version), and DescribeLaunchTemplates by id in full calls of
   * 200 ids for names, tags and version numbers: ceil((T + D) / 200) + ceil(T / 200)
   * calls for T templates of which D have a newer `$Latest`. A template whose
   * two versions straddle a page boundary waits for the next page; at most
   * ~400 templates are held. Should a version still be missing at the end (the
   * template changed meanwhile), it is described by id, one call for that template.
   */
  async function* launchTemplates(): AsyncGenerator<LaunchTemplateSubject[]> {
    const waiting = new Map<string, LaunchTemplateVersion[]>(); // listed, not yet described
    const described = new Map<string, { template: LaunchTemplate; versions: LaunchTemplateVersion[] }>();

    const describeWaiting = async (all: boolean): Promise<void> => {
      while (waiting.size >= LAUNCH_TEMPLATES_PAGE_SIZE || (all && waiting.size > 0)) {
        const ids = [...waiting.keys()].slice(0, LAUNCH_TEMPLATES_PAGE_SIZE);
        // Templates deleted since the versions page was read come back missing and are skipped.
        const { templates } = await describeLaunchTemplatesByIds(clients.ec2, ids, { concurrency });
        for (const template of templates) {
          const id = template.LaunchTemplateId ?? '';
          const versions = waiting.get(id);
          if (versions) described.set(id, { template, versions });
        }
        for (const id of ids) waiting.delete(id);
      }
    };

    const complete = (entry: { template: LaunchTemplate; versions: LaunchTemplateVersion[] }): boolean => {
      const defaultNumber = toNumber(entry.template.DefaultVersionNumber);
      const latestNumber = toNumber(entry.template.LatestVersionNumber);
      const has = (n: number | undefined): boolean => n !== undefined && entry.versions.some((v) => toNumber(v.VersionNumber) === n);
      return has(defaultNumber) && (latestNumber === undefined || has(latestNumber));
    };

    async function* emit(final: boolean): AsyncGenerator<LaunchTemplateSubject[]> {
      const ready: TemplateWithVersions[] = [];
      for (const [id, entry] of described) {
        if (!complete(entry)) {
          if (!final) continue;
          const fetched = await describeLaunchTemplateVersions(clients.ec2, id, ['$Default', '$Latest']);
          if (fetched !== undefined) entry.versions.push(...fetched);
        }
        described.delete(id);
        const picked = pickDefaultAndLatest(entry.template, entry.versions);
        if (picked) ready.push(picked);
      }
      if (ready.length === 0) return;
      const accountDefaults = accountDefaultsMetadata(await accountLevel());
      yield ready.map((d) => launchTemplateSubject(d.template, d.defaultVersion, d.latestVersion, scope, accountDefaults));
    }

    for await (const page of pageAccountTemplateVersions(clients.ec2, ['$Default', '$Latest'])) {
      for (const version of page) {
        const id = version.LaunchTemplateId;
        if (!id) continue;
        const target = described.get(id)?.versions ?? waiting.get(id) ?? [];
        if (!target.some((v) => toNumber(v.VersionNumber) === toNumber(version.VersionNumber))) target.push(version);
        if (!described.has(id)) waiting.set(id, target);
      }
      await describeWaiting(false);
      yield* emit(false);
    }
    await describeWaiting(true);
    yield* emit(true);
  }

  async function* launchConfigurations(): AsyncGenerator<LaunchConfigurationSubject[]> {
    for await (const page of pageLaunchConfigurations(clients.autoScaling)) {
      yield page.map((lc) => launchConfigurationSubject(lc, scope));
    }
  }

  async function accountDefaults(): Promise<AccountDefaultsSubject> {
    return accountDefaultsSubject(await accountLevel(), scope);
  }

  return { instances, launchTemplates, launchConfigurations, accountDefaults };
}
