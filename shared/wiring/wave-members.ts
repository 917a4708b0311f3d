/**
 * Edge: every member of the wave groups in play, with its tags (the watch
 * state lives there), so waves are judged on the whole group and not only on
 * the instances of this run. DescribeInstances filtered on the group's tag,
 * up to 200 values a filter, pages of ≤1000.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { waveGroupOf, type WaveMember } from '../engine/waves.js';
import { chunk } from '../aws/batch.js';
import { EXISTING_INSTANCE_STATES, pageInstancesWhere } from '../aws/instances-where.js';
import { tagsToRecord } from '../aws/translate.js';

import type { WaveMembersSource } from '../engine/ports.js';
const VALUES_PER_FILTER = 200;

export function createWaveMembers(ec2: Pick<EC2Client, 'send'>): WaveMembersSource {
  return async (groups, policy) => {
    const out = new Map<string, WaveMember[]>();
    const byKey = new Map<string, Set<string>>();
    for (const g of groups) byKey.set(g.key, (byKey.get(g.key) ?? new Set()).add(g.value));
    for (const [key, values] of byKey) {
      for (const part of chunk([...values], VALUES_PER_FILTER)) {
        const filters = [
          { Name: `tag:${key}`, Values: part },
          { Name: 'instance-state-name', Values: EXISTING_INSTANCE_STATES },
        ];
        for await (const page of pageInstancesWhere(ec2, filters)) {
          for (const instance of page) {
            const tags = tagsToRecord(instance.Tags);
            const group = waveGroupOf(tags, policy);
            if (!instance.InstanceId || group === undefined) continue;
            out.set(group, [...(out.get(group) ?? []), { instanceId: instance.InstanceId, tags }]);
          }
        }
      }
    }
    return out;
  };
}
