/**
 * Edge: reads `AWS/EC2` `MetadataNoTokenRejected` (IMDSv1 calls refused
 * because IMDSv1 is off: the breakage signal after a flip) per instance with
 * GetMetricData, up to 500 queries a call, pages followed with NextToken.
 */
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { MAX_QUERIES_PER_CALL } from '../engine/ports.js';
import type { Datapoint } from './judge.js';

/** EC2 basic monitoring publishes every 5 minutes. */
export const PERIOD_S = 300;

export interface Watched {
  instanceId: string;
  flippedAt: Date;
}

export type RejectedCalls = (watched: readonly Watched[], now: Date) => Promise<Map<string, Datapoint[]>>;

export function createRejectedCalls(cloudWatch: Pick<CloudWatchClient, 'send'>): RejectedCalls {
  return async (watched, now) => {
    const result = new Map<string, Datapoint[]>();
    const period = PERIOD_S * 1000;
    for (let offset = 0; offset < watched.length; offset += MAX_QUERIES_PER_CALL) {
      const batch = watched.slice(offset, offset + MAX_QUERIES_PER_CALL);
      const earliest = Math.min(...batch.map((w) => w.flippedAt.getTime()));
      const start = new Date(Math.floor(earliest / period) * period - period);
      const end = new Date(Math.ceil(now.getTime() / period) * period);
      const byQuery = new Map<string, string>(batch.map((w, i) => [`r${i}`, w.instanceId]));
      const queries: MetricDataQuery[] = batch.map((w, i) => ({
        Id: `r${i}`,
        MetricStat: {
          Metric: { Namespace: 'AWS/EC2', MetricName: 'MetadataNoTokenRejected', Dimensions: [{ Name: 'InstanceId', Value: w.instanceId }] },
          Period: PERIOD_S,
          Stat: 'Sum',
        },
        ReturnData: true,
      }));
      for (const id of byQuery.values()) result.set(id, []);
      let nextToken: string | undefined;
      do {
        const page = await cloudWatch.send(
          new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, NextToken: nextToken }),
        );
        for (const r of page.MetricDataResults ?? []) {
          const id = r.Id ? byQuery.get(r.Id) : undefined;
          if (!id) continue;
          const stamps = r.Timestamps ?? [];
          (r.Values ?? []).forEach((value, i) => {
            const t = stamps[i];
            if (t) result.get(id)!.push({ timestamp: new Date(t), value });
          });
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
    return result;
  };
}
