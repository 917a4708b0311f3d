/**
 * IMDSv1 usage evidence from CloudWatch: `AWS/EC2` `MetadataNoToken` (calls
 * made without a token), dimension `InstanceId`, statistic `Sum`, over the
 * look-back window. GetMetricData takes up to 500 queries a call; pages are
 * followed with the SDK paginator (a query's datapoints may span pages).
 *
 * The whole account-region at once (`accountUsage`, for the migration stage):
 * ONE query with a SEARCH expression over every instance's series, in one
 * GetMetricData call. Its limits, as CloudWatch documents them:
 * - a SEARCH returns at most 500 time series ("It can return up to 500 time
 *   series", search expression limits, CloudWatch User Guide; repeated in the
 *   CDK's SearchExpression reference): 500 series back means some may be
 *   missing;
 * - a SEARCH finds only metrics that reported data in the last two weeks
 *   ("Use search expressions in graphs"): with a look-back window longer
 *   than 14 days, calls made earlier by an instance that has been quiet since
 *   are not seen;
 * - an expression's result has no NextToken (MetricDataResult, StatusCode:
 *   "NextToken is not returned if you are performing a math expression"), so
 *   the period is chosen for 500 series to fit one answer (100,800 datapoints)
 *   and a result that is still `PartialData` is incomplete.
 * Whatever it found is real; when a limit may have cut it, `incomplete` says
 * so and the caller (shared/engine/stage.ts) falls back to per-instance
 * evidence. CloudWatch bills GetMetricData per metric returned.
 */
import { type CloudWatchClient, GetMetricDataCommand, type MetricDataQuery, paginateGetMetricData } from '@aws-sdk/client-cloudwatch';
import type { UsageEvidence } from '../model.js';
import { type AccountUsage, MAX_QUERIES_PER_CALL, type UsageSource } from '../engine/ports.js';
import { ownInput } from '../aws/batch.js';
import type { PermissionStatement } from '../kinds/edge-types.js';

/** IAM for the usage look-up (GetMetricData has no resource-level permissions). */
export const USAGE_PERMISSIONS: PermissionStatement = {
  sid: 'ReadImdsV1Usage',
  actions: ['cloudwatch:GetMetricData'],
  resources: ['*'],
  reason: 'cloudwatch:GetMetricData accepts no resource ARN.',
};
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

/** Most series one SEARCH returns. */
export const SEARCH_SERIES_LIMIT = 500;
/** A SEARCH finds only metrics with data in the last two weeks. */
export const SEARCH_HISTORY_DAYS = 14;
/** The query's Id in the account-wide call. */
export const ACCOUNT_QUERY_ID = 'imdsv1';

/** The one account-wide query: every instance's MetadataNoToken, summed per period, labelled with its instance id. */
export function accountUsageQuery(period: number): MetricDataQuery {
  return {
    Id: ACCOUNT_QUERY_ID,
    Expression: `SEARCH('{AWS/EC2,InstanceId} MetricName="MetadataNoToken"', 'Sum', ${period})`,
    // A dynamic label: each series comes back named by its InstanceId dimension.
    Label: "${PROP('Dim.InstanceId')}",
    Period: period,
    ReturnData: true,
  };
}

const INSTANCE_IN_LABEL = /\bi-[0-9a-f]{8,17}\b/;

/** Reads the one account-wide answer: calls per instance series, and whether a limit may have cut it. */
export function readAccountUsage(
  results: readonly { Id?: string; Label?: string; Values?: number[]; Timestamps?: Date[]; StatusCode?: string }[],
  messages: readonly { Code?: string; Value?: string }[],
  lookbackDays: number,
): AccountUsage {
  const series: AccountUsage['series'] = [];
  const cut: string[] = [];
  let unnamed = 0;
  for (const r of results) {
    if (r.Id !== ACCOUNT_QUERY_ID) continue;
    const instanceId = INSTANCE_IN_LABEL.exec(r.Label ?? '')?.[0] ?? `(series ${r.Label || ++unnamed} of AWS/EC2 MetadataNoToken)`;
    let calls = 0;
    let lastSeen: Date | undefined;
    (r.Values ?? []).forEach((v, i) => {
      calls += v;
      const t = r.Timestamps?.[i];
      if (v > 0 && t && (!lastSeen || t > lastSeen)) lastSeen = new Date(t);
    });
    series.push({ instanceId, calls, ...(lastSeen ? { lastSeen } : {}) });
    if (r.StatusCode && r.StatusCode !== 'Complete') cut.push(`a series came back ${r.StatusCode}`);
  }
  if (series.length >= SEARCH_SERIES_LIMIT) cut.push(`the SEARCH returned ${series.length} series, its limit (more instances may have been left out)`);
  if (lookbackDays > SEARCH_HISTORY_DAYS) cut.push(`a SEARCH finds only series with data in the last ${SEARCH_HISTORY_DAYS} days, the window is ${lookbackDays}`);
  for (const m of messages) cut.push(`CloudWatch said ${m.Code ?? '?'}${m.Value ? `: ${m.Value}` : ''}`);
  return { series, ...(cut.length > 0 ? { incomplete: [...new Set(cut)].join('; ') } : {}) };
}

export interface UsageSourceOptions {
  now?: () => Date;
}

export function createUsageSource(cloudWatch: CloudWatchClient, options: UsageSourceOptions = {}): UsageSource {
  const now = options.now ?? (() => new Date());
  const window = (lookbackDays: number): { start: Date; end: Date } => {
    const end = new Date(Math.floor(now().getTime() / 60_000) * 60_000);
    return { start: new Date(end.getTime() - lookbackDays * DAY_S * 1000), end };
  };
  return {
    async accountUsage(lookbackDays) {
      const { start, end } = window(lookbackDays);
      // One page: the period lets 500 series fit one answer (an expression has no NextToken).
      const out = await cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: [accountUsageQuery(choosePeriod(lookbackDays, SEARCH_SERIES_LIMIT))],
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampDescending',
        }),
      );
      return readAccountUsage(out.MetricDataResults ?? [], out.Messages ?? [], lookbackDays);
    },
    async usage(instanceIds, lookbackDays) {
      const ids = [...new Set(instanceIds)];
      const result = new Map<string, UsageEvidence>();
      if (ids.length === 0) return result;
      const { start, end } = window(lookbackDays);
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
