import { Option, type Command } from 'commander';
import type { ProgressEvent, PipelineResult } from '../../app/run-pipeline.js';
import { InputError } from '../../domain/errors.js';
import { stripTerminalControls } from '../../domain/terminal-text.js';
import { action, type CliRuntime } from '../command.js';
import { printJson, table } from '../output.js';

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InputError(`${flag} ${JSON.stringify(value)}: expected a whole number of at least 1`);
    return n;
  };
}

function untilPhase(value: string): 'implement' {
  if (value === 'implement') return value;
  if (value === 'pr' || value === 'review')
    throw new InputError(
      `--until ${value} is not available yet: pull requests and review are not part of this build; accepted: implement`,
    );
  throw new InputError(`--until ${JSON.stringify(value)}: unknown phase; accepted: implement`);
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('run')
    .description(
      'the whole pipeline for many issues: lanes, then each phase for all lanes, at most --parallel agents at once',
    )
    .argument('<issue...>')
    .option('--parallel <n>', 'agents running at once', positiveInt('--parallel'), 3)
    .option('--agent <agent>', 'implementer agent instead of the configured one')
    .option('--base <ref>', 'base for lanes that do not exist yet')
    // Only the phases this build has are offered; --max-rounds and --reviewer come with review.
    .addOption(
      new Option('--until <phase>', 'stop after this phase: implement').argParser(untilPhase).default('implement'),
    )
    .action(
      action(
        runtime,
        async (
          ctx,
          globals,
          refs: string[],
          opts: { parallel: number; agent?: string; base?: string; until: 'implement' | 'pr' | 'review' },
        ) => {
          const { runPipeline } = await import('../../app/run-pipeline.js');
          const progress = progressPrinter(ctx.io.interactive && !globals.json, (t) => ctx.io.err(t));
          const result = await runPipeline(ctx, refs, opts, (update) => progress.update(update));
          progress.done();
          if (globals.json) printJson(ctx.io, result);
          else ctx.io.out(summary(result));
          if (result.interrupted) return 130;
          return result.lanes.some((l) => l.status !== 'done') ? 1 : 0;
        },
      ),
    );
}

/** One line per lane, redrawn in place on a terminal; plain lines (one per change) elsewhere, e.g. in CI. */
function progressPrinter(live: boolean, write: (text: string) => void) {
  const lines = new Map<string, string>();
  let drawn = 0;
  const started = Date.now();
  const redraw = () => {
    const out = [...lines.values()];
    process.stderr.write(
      `${drawn > 0 ? `\x1b[${drawn}A` : ''}${out.map((l) => `\x1b[2K${stripTerminalControls(l, { keepLayout: false })}\n`).join('')}`,
    );
    drawn = out.length;
  };
  return {
    update(event: ProgressEvent) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const line = `${event.lane.padEnd(16)} ${event.phase.padEnd(10)} ${event.state}${event.detail ? `: ${event.detail}` : ''}`;
      if (live) {
        lines.set(event.lane, line);
        redraw();
      } else write(`[${seconds}s] ${line}`);
    },
    done() {
      drawn = 0;
    },
  };
}

function summary(result: PipelineResult): string {
  const rows = result.lanes.map((l) => {
    const last = l.phases[l.phases.length - 1];
    const seconds = l.phases.reduce((s, p) => s + (p.durationMs ?? 0), 0) / 1000;
    const tokens = l.phases.reduce((s, p) => s + p.tokens, 0);
    const cost = l.phases.reduce((s, p) => s + (p.costUsd ?? 0), 0);
    const status = l.status === 'done' && l.warning ? 'done-no-commits' : l.status;
    return [
      l.lane,
      l.issue,
      last?.phase ?? 'lane',
      status,
      `${seconds.toFixed(1)}s`,
      String(tokens),
      `$${cost.toFixed(4)}`,
      l.reason ?? l.warning ?? '',
    ];
  });
  const speedup = result.wallMs > 0 ? result.agentMs / result.wallMs : 0;
  // Without agent time there is no speed-up to speak of (every lane failed before its agent ran).
  const timing =
    result.agentMs > 0
      ? `, agent time ${(result.agentMs / 1000).toFixed(1)}s, speed-up ${speedup.toFixed(2)}x`
      : ', no agent ran';
  return `${table(rows, ['LANE', 'ISSUE', 'PHASE', 'STATUS', 'AGENT TIME', 'TOKENS', 'COST', 'REASON'])}\nwall ${(result.wallMs / 1000).toFixed(1)}s${timing}\n`;
}
