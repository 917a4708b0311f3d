/**
 * The migration stage in `scan` and `fix` (shared/engine/stage.ts): the walk
 * of one account-region feeds every page to the pipeline as before, keeps
 * back the subjects that carry the stage (the account default), and judges
 * them last with the stage attached. One account-wide IMDSv1 look-up per
 * account-region, started with the walk; none when the walk leaves out a
 * kind the stage needs (the stage is then `unknown`).
 */
import type { Clients } from '../shared/aws/clients.js';
import type { ResourceKind, Scope } from '../shared/model.js';
import type { Subject } from '../shared/kinds/subject.js';
import type { StageReport } from '../shared/kinds/stage.js';
import { processSubjects, type PipelineDeps, type PipelineResult, type RunContext } from '../shared/engine/pipeline.js';
import { carriesStage, StageTally, stageKinds, withStage } from '../shared/engine/stage.js';
import type { Policy } from '../shared/policy.js';
import { walkRegion, type RegionLog } from './engine.js';
import type { Progress } from './progress.js';

export interface StagedWalk {
  clients: Clients;
  scope: Scope;
  kinds: readonly ResourceKind[];
  log: RegionLog;
  progress: Progress;
  pipeline: PipelineDeps;
  policy: Policy;
  context?: RunContext;
}

/**
 * Walks the region page by page through the pipeline; `onResult` gets each
 * page's subjects and result, the stage carriers last. Returns the stage when
 * the carrier kind was walked.
 */
export async function walkWithStage(
  walk: StagedWalk,
  onResult: (kind: ResourceKind, subjects: readonly Subject[], result: PipelineResult) => void | Promise<void>,
): Promise<StageReport | undefined> {
  const staged = walk.kinds.some(carriesStage);
  const tally = new StageTally(walk.policy.usageLookbackDays);
  // A walk of some kinds only (--kind) cannot tell the stage: no look-up is spent on it.
  if (staged && stageKinds().every((k) => walk.kinds.includes(k))) tally.start(walk.pipeline.usage);
  const run = async (kind: ResourceKind, subjects: Subject[]): Promise<void> => {
    if (subjects.length === 0) return;
    const result = await processSubjects(subjects, walk.pipeline, walk.context ?? {});
    tally.observeReports(result.reports);
    await onResult(kind, subjects, result);
  };
  await walkRegion(
    walk.clients,
    walk.scope,
    walk.kinds,
    walk.log,
    walk.progress,
    (kind, subjects) => run(kind, staged ? tally.observe(subjects) : subjects),
    (kind) => tally.kindRead(kind),
  );
  if (!staged) return undefined;
  const { stage, held } = await tally.finish();
  for (const kind of walk.kinds.filter(carriesStage)) await run(kind, held.filter((s) => s.kind === kind));
  return stage;
}

/** A loader that attaches the stage already computed to what it describes again (fix's second phase re-describes before acting). */
export function withStageAttached(pipeline: PipelineDeps, stage: StageReport | undefined): PipelineDeps {
  if (stage === undefined) return pipeline;
  const loader = pipeline.loader;
  const related = loader.related;
  return {
    ...pipeline,
    loader: {
      load: async (refs) => (await loader.load(refs)).map((s) => withStage(s, stage)),
      ...(related ? { related: (subjects: readonly Subject[]) => related.call(loader, subjects) } : {}),
    },
  };
}
