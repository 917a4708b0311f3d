/**
 * IMDSv1 usage evidence from CloudWatch: `AWS/EC2` `MetadataNoToken` (calls
 * made without a token), dimension `InstanceId`, statistic `Sum`, over the
 * look-back window. GetMetricData takes up to 500 queries a call; pages are
 * followed with the SDK paginator (a query's datapoints may span pages).
 */
import { type CloudWatchClient, type MetricDataQuery, paginateGetMetricData } from '@aws-sdk/client-cloudwatch';
import type { UsageEvidence } from '../model.js';
import { MAX_QUERIES_PER_CALL, type UsageSource } from '../engine/ports.js';
import { ownInput } from '../aws/batch.js';
import type { PermissionStatement } from '../kinds/edge-types.js';

/** IAM for the usage look-up (GetMetricData has no resource-level permissions). */
export const USAGE_PERMISSIONS: PermissionStatement = { sid: 'ReadImdsV1Usage', actions: ['cloudwatch:GetMetricData'], resources: ['*'] };
/** GetMetricData returns at most this many datapoints a call (more are paged). */
export const MAX_DATAPOINTS_PER_CALL = 100_800;

const DAY_S = 86_400;

/**
 * CloudWatch keeps 1-minute data 15 days, 5-minute data 63 days and 1-hour
 * data 455 days: a window reaching further back needs a coarser period.
 */
export function minimumPeriodFor(lookbackDays: number): number {
  if (lookbackDays > 63) return 3600;
  if (lookbackDays > 15) return 300;
  return 60;
}

const NICE_PERIODS = [60, 300, 900, 3600, 6 * 3600, DAY_S, 7 * DAY_S];

/**
 * The smallest period (a multiple of 60 s) that CloudWatch still holds for the
 * whole window and that lets a full call of 500 queries fit in one page.
 */
export function choosePeriod(lookbackDays: number, queriesPerCall = MAX_QUERIES_PER_CALL): number {
  const windowS = lookbackDays * DAY_S;
  const min = minimumPeriodFor(lookbackDays);
  const perQuery = Math.floor(MAX_DATAPOINTS_PER_CALL / Math.max(1, queriesPerCall));
  for (const p of NICE_PERIODS) {
    if (p >= min && Math.ceil(windowS / p) <= perQuery) return p;
  }
  return Math.ceil(windowS / perQuery / DAY_S) * DAY_S;
}

export interface UsageSourceOptions {
  now?: () => Date;
}

export function createUsageSource(cloudWatch: CloudWatchClient, options: UsageSourceOptions = {}): UsageSource {
  const now = options.now ?? (() => new Date());
  return {
    async usage(instanceIds, lookbackDays) {
      const ids = [...new Set(instanceIds)];
      const result = new Map<string, UsageEvidence>();
      if (ids.length === 0) return result;
      const end = new Date(Math.floor(now().getTime() / 60_000) * 60_000);
      const start = new Date(end.getTime() - lookbackDays * DAY_S * 1000);
      const period = choosePeriod(lookbackDays);

      for (let offset = 0; offset < ids.length; offset += MAX_QUERIES_PER_CALL) {
        const batch = ids.slice(offset, offset + MAX_QUERIES_PER_CALL);
        // Query ids must match ^[a-z][a-zA-Z0-9_]*$ and be unique within the call.
        const byQuery = new Map(batch.map((id, i) => [`q${i}`, id] as const));
        const queries: MetricDataQuery[] = batch.map((id, i) => ({
          Id: `q${i}`,
          MetricStat: {
            Metric: { Namespace: 'AWS/EC2', MetricName: 'MetadataNoToken', Dimensions: [{ Name: 'InstanceId', Value: id }] },
            Period: period,
            Stat: 'Sum',
          },
          ReturnData: true,
        }));
        const sums = new Map<string, { sum: number; points: number; lastSeen?: Date }>();
        const input = { MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampDescending' as const };
        for await (const page of paginateGetMetricData({ client: cloudWatch, withCommand: ownInput }, input)) {
          for (const r of page.MetricDataResults ?? []) {
            if (!r.Id) continue;
            const acc = sums.get(r.Id) ?? { sum: 0, points: 0 };
            const values = r.Values ?? [];
            const stamps = r.Timestamps ?? [];
            values.forEach((v, i) => {
              acc.sum += v;
              acc.points += 1;
              const t = stamps[i];
              if (v > 0 && t && (!acc.lastSeen || t > acc.lastSeen)) acc.lastSeen = new Date(t);
            });
            sums.set(r.Id, acc);
          }
        }

        for (const [queryId, instanceId] of byQuery) {
          const acc = sums.get(queryId);
          const evidence: UsageEvidence = {
            noTokenCalls: acc && acc.points > 0 ? acc.sum : null,
            lookbackDays,
          };
          if (acc?.lastSeen) evidence.lastSeen = acc.lastSeen;
          result.set(instanceId, evidence);
        }
      }
      return result;
    },
  };
}
