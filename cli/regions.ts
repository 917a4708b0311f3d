/**
 * Which regions a command covers: `--region` (repeatable), the default region
 * (AWS_REGION, AWS_DEFAULT_REGION, the profile's region), or `--all-regions`:
 * every region DescribeRegions lists as enabled for the account. Regions
 * marked `not-opted-in` are skipped and said so.
 */
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Clients } from '../shared/aws/clients.js';
import { UsageError } from './errors.js';

export interface SkippedRegion {
  region: string;
  reason: string;
}

export interface RegionChoice {
  regions: string[];
  skipped: SkippedRegion[];
}

/** Region from the environment, then the shared config file (AWS_PROFILE applies). */
export async function defaultRegion(env: Record<string, string | undefined>): Promise<string | undefined> {
  const fromEnv = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  if (fromEnv) return fromEnv;
  // The SDK's own region chain (env, then ~/.aws/config for the profile); no network.
  const probe = new EC2Client({});
  try {
    const region = await probe.config.region();
    return region || undefined;
  } catch {
    return undefined;
  } finally {
    probe.destroy();
  }
}

export async function chooseRegions(
  options: { regions: string[]; allRegions: boolean },
  home: string | undefined,
  clientsFor: (region: string) => Pick<Clients, 'ec2'>,
): Promise<RegionChoice> {
  if (options.regions.length > 0) return { regions: [...options.regions], skipped: [] };
  if (!options.allRegions) {
    if (!home) {
      throw new UsageError('no region: pass --region REGION or --all-regions, or set AWS_REGION (or a region in your profile)');
    }
    return { regions: [home], skipped: [] };
  }
  const out = await clientsFor(home ?? 'us-east-1').ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
  const regions: string[] = [];
  const skipped: SkippedRegion[] = [];
  for (const r of out.Regions ?? []) {
    if (!r.RegionName) continue;
    if (r.OptInStatus === 'not-opted-in') skipped.push({ region: r.RegionName, reason: 'not opted in for this account' });
    else regions.push(r.RegionName);
  }
  regions.sort();
  skipped.sort((a, b) => a.region.localeCompare(b.region));
  if (regions.length === 0) throw new UsageError('DescribeRegions listed no enabled region');
  return { regions, skipped };
}
