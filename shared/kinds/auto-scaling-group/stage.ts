/**
 * What an Auto Scaling group means for AWS's own IMDSv2 enforcement in its
 * account-region (shared/kinds/stage.ts): each launch source it can launch
 * from is a launch path, and one that resolves to HttpTokens=optional would
 * be refused once enforcement is on. A source AWS says is gone is not one
 * (Auto Scaling cannot launch from it either). Pure.
 */
import type { StageFact } from '../stage.js';
import { launchTokens } from '../judging.js';
import { groupSources, namedIn, readable, sourceWords } from './judge.js';
import type { AutoScalingGroupSubject, LaunchSource } from './subject.js';

/** HttpTokens a launch from this source gets, and where it comes from. */
function tokensOf(source: LaunchSource, subject: AutoScalingGroupSubject): { value: 'optional' | 'required'; source: string } {
  if (source.type === 'launch-configuration') {
    // As the group judge reads a configuration: only an explicit `required` requires IMDSv2.
    const tokens = source.metadata?.httpTokens;
    return tokens === 'required'
      ? { value: 'required', source: 'set in the launch configuration' }
      : { value: 'optional', source: source.metadata === undefined ? 'the launch configuration has no MetadataOptions' : 'not required in the launch configuration' };
  }
  return launchTokens({ versionNumber: source.resolvedVersion as number, metadata: source.metadata ?? {} }, subject.accountDefaults);
}

export function groupStageFacts(subject: AutoScalingGroupSubject): StageFact[] {
  const sources = groupSources(subject.sources).filter((g) => readable(g.source));
  const optional = sources
    .map((g) => ({ g, tokens: tokensOf(g.source, subject) }))
    .filter(({ tokens }) => tokens.value !== 'required')
    .map(({ g, tokens }) => `launches from ${sourceWords(g.source)}, ${namedIn(g.origins)}, with HttpTokens=optional (${tokens.source})`);
  return [
    optional.length > 0
      ? { type: 'launch-path', ref: subject.ref, allowsImdsv1: true, why: optional.join('; ') }
      : { type: 'launch-path', ref: subject.ref, allowsImdsv1: false, why: 'every launch source requires IMDSv2' },
  ];
}
