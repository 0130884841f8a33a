/**
 * `lanes logs`: a run's transcript, rendered from the CLI's own machine output (output.jsonl) with
 * the adapter's parser; `-f` follows it while the run is active.
 */
import { existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import type { RunRecord } from '../../infra/store.js';
import type { Context } from '../context.js';
import { renderEvent } from './render-events.js';
import { isActive, latestRunOf, reconcileRun } from './runs.js';

export interface LogsOptions {
  follow: boolean;
  raw: boolean;
  write: (text: string) => void;
}

export async function showLogs(ctx: Context, lane: LaneRecord, opts: LogsOptions): Promise<RunRecord> {
  const store = await ctx.store();
  const run = latestRunOf(store, lane, ctx.runners);
  if (!run) throw new InputError(`lane ${lane.name} has no agent runs yet (lanes start ${lane.name} starts one)`);
  const adapter = (await ctx.agentAdapters()).get(run.adapter);
  if (!adapter)
    throw new InputError(
      `run ${run.id} of lane ${lane.name} was made by the agent adapter "${run.adapter}", which this lanes does not have; its raw output is ${join(run.runDir, 'output.jsonl')}`,
    );
  const parser = adapter.createParser();
  const emit = (line: string) => {
    if (opts.raw) return opts.write(`${line}\n`);
    for (const event of parser.push(line)) {
      const text = renderEvent(event);
      if (text) opts.write(`${text}\n`);
    }
  };
  opts.write(
    `# lane ${lane.name}, run ${run.id}: ${run.phase} with ${run.agent}${run.model ? ` (${run.model})` : ''}; prompt: ${join(run.runDir, 'prompt.md')}\n`,
  );
  const file = join(run.runDir, 'output.jsonl');
  let offset = 0;
  let partial = '';
  const readNew = () => {
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size <= offset) return;
    const fd = openSync(file, 'r');
    const buffer = Buffer.alloc(size - offset);
    readSync(fd, buffer, 0, buffer.length, offset);
    closeSync(fd);
    offset = size;
    const lines = (partial + buffer.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) emit(line);
  };
  readNew();
  let current = run;
  while (opts.follow && isActive(current) && !ctx.signal.aborted) {
    await new Promise((r) => setTimeout(r, 250));
    readNew();
    current = reconcileRun(store, store.getRun(run.id)!, ctx.runners);
  }
  readNew();
  if (partial) emit(partial);
  if (!opts.raw)
    for (const event of parser.end()) {
      const text = renderEvent(event);
      if (text) opts.write(`${text}\n`);
    }
  current = store.getRun(run.id)!;
  if (!isActive(current)) opts.write(`# ${current.status}${current.reason ? `: ${current.reason}` : ''}\n`);
  const stderr = join(run.runDir, 'stderr.log');
  if (!opts.raw && current.status === 'failed' && existsSync(stderr)) {
    const tail = readFileSync(stderr, 'utf8').trim().split('\n').slice(-10).join('\n');
    if (tail) opts.write(`# stderr (last lines):\n${tail}\n`);
  }
  return current;
}
