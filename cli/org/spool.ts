/**
 * `fix --org` asks once for the whole organization, after every
 * account-region is planned and before anything is written. Between the
 * question and the answer the plan waits on disk, not in memory: one JSON line
 * per account-region (its rows, the resources cleared to change, its errors),
 * in a private temporary directory removed when the run ends. After a yes the
 * lines are read back one at a time, so the changes applied are exactly the
 * ones the person was shown and counted.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { ResourceRef } from '../../shared/model.js';
import type { RegionError } from '../engine.js';
import type { FixRow } from '../fix.js';

/** One account-region's plan, as it waits for the answer. */
export interface SpooledPlan {
  account: string;
  region: string;
  compliant: number;
  rows: FixRow[];
  toFix: ResourceRef[];
  errors: RegionError[];
  /** Kinds listed (RegionLog.succeeded): with errors, says whether the region failed or was partly read. */
  succeeded: number;
}

const CHUNK = 1 << 16;

export class PlanSpool {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly file: FileHandle,
  ) {}

  static async create(): Promise<PlanSpool> {
    const dir = await mkdtemp(join(tmpdir(), 'imds-guard-fix-'));
    // Owner only: it names the organization's resources.
    const file = await open(join(dir, 'plan.jsonl'), 'w+', 0o600);
    return new PlanSpool(dir, file);
  }

  /** Appends one plan; calls from concurrent account-regions are written one after the other. */
  add(plan: SpooledPlan): Promise<void> {
    const line = `${JSON.stringify(plan)}\n`;
    this.writing = this.writing.then(async () => void (await this.file.write(line)));
    return this.writing;
  }

  /** The plans in the order they were added, read a chunk at a time. */
  async *plans(): AsyncGenerator<SpooledPlan> {
    await this.writing;
    let position = 0;
    let rest = '';
    const buffer = Buffer.alloc(CHUNK);
    // A character split across two chunks is decoded whole.
    const decoder = new StringDecoder('utf8');
    for (;;) {
      const { bytesRead } = await this.file.read(buffer, 0, CHUNK, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const lines = (rest + decoder.write(buffer.subarray(0, bytesRead))).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) yield JSON.parse(line) as SpooledPlan;
    }
    rest += decoder.end();
    if (rest) yield JSON.parse(rest) as SpooledPlan;
  }

  async dispose(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.file.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
