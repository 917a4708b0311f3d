/**
 * Edge: every member of the wave groups in play, with its tags (the watch
 * state lives there), so waves are judged on the whole group and not only on
 * the instances of this run. DescribeInstances filtered on the group's tag,
 * up to 200 values a filter, pages of ≤1000.
 */
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { Policy } from '../policy.js';
import { waveGroupOf, type WaveMember } from '../waves.js';
import { tagsToRecord } from './translate.js';

const VALUES_PER_FILTER = 200;

export type WaveMembersSource = (groups: readonly { key: string; value: string }[], policy: Policy) => Promise<Map<string, WaveMember[]>>;

export function createWaveMembers(ec2: Pick<EC2Client, 'send'>): WaveMembersSource {
  return async (groups, policy) => {
    const out = new Map<string, WaveMember[]>();
    const byKey = new Map<string, Set<string>>();
    for (const g of groups) byKey.set(g.key, (byKey.get(g.key) ?? new Set()).add(g.value));
    for (const [key, values] of byKey) {
      const all = [...values];
      for (let i = 0; i < all.length; i += VALUES_PER_FILTER) {
        let nextToken: string | undefined;
        do {
          const page = await ec2.send(
            new DescribeInstancesCommand({
              Filters: [
                { Name: `tag:${key}`, Values: all.slice(i, i + VALUES_PER_FILTER) },
                { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
              ],
              MaxResults: 1000,
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
          );
          for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
            const tags = tagsToRecord(instance.Tags);
            const group = waveGroupOf(tags, policy);
            if (!instance.InstanceId || group === undefined) continue;
            out.set(group, [...(out.get(group) ?? []), { instanceId: instance.InstanceId, tags }]);
          }
          nextToken = page.NextToken || undefined;
        } while (nextToken);
      }
    }
    return out;
  };
}
