import { Option, type Command } from 'commander';
import type { ProgressEvent, PipelineResult, RunUntil } from '../../app/run-pipeline.js';
import { InputError } from '../../domain/errors.js';
import { findingPlace } from '../../domain/fix-rounds.js';
import { stripTerminalControls } from '../../domain/terminal-text.js';
import { action, type CliRuntime } from '../command.js';
import { oneLine, printJson, table } from '../output.js';

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InputError(`${flag} ${JSON.stringify(value)}: expected a whole number of at least 1`);
    return n;
  };
}

// Kept here rather than imported from the pipeline: `lanes run --help` must not load the use case.
const UNTIL: readonly RunUntil[] = ['implement', 'pr', 'review', 'approve'];

function untilPhase(value: string): RunUntil {
  if ((UNTIL as readonly string[]).includes(value)) return value as RunUntil;
  throw new InputError(`--until ${JSON.stringify(value)}: unknown phase; accepted: ${UNTIL.join(', ')}`);
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
    .addOption(
      new Option(
        '--until <phase>',
        'stop after this phase: implement, pr, review, or approve (the whole pipeline: review and fix rounds until approved or --max-rounds)',
      )
        .argParser(untilPhase)
        .default('approve'),
    )
    .option(
      '--max-rounds <n>',
      'review rounds before a lane stops as needs-you (default: validate.maxRounds, 3)',
      positiveInt('--max-rounds'),
    )
    .option('--reviewer <agent>', 'reviewer agent instead of the configured one')
    .option('--adversarial', 'two reviewers of different vendors (phases.review.agents; default Claude Code and Codex)')
    .action(
      action(
        runtime,
        async (
          ctx,
          globals,
          refs: string[],
          opts: {
            parallel: number;
            agent?: string;
            base?: string;
            until: RunUntil;
            maxRounds?: number;
            reviewer?: string;
            adversarial?: boolean;
          },
        ) => {
          const [{ runPipeline }, { startNotifications }] = await Promise.all([
            import('../../app/run-pipeline.js'),
            import('../../app/ui/notify.js'),
          ]);
          const live = ctx.io.interactive && !globals.json;
          const progress = progressPrinter(live, (t) => ctx.io.err(t));
          // A lane that finished, failed, needs you or was approved: a bell and a line on a terminal
          // (the summary says it all elsewhere), and the notify.command hook wherever it runs.
          const notifications = await startNotifications(ctx, (event) => {
            if (live) progress.note(`\x07lanes: ${event.message}`);
          });
          let result: PipelineResult;
          try {
            result = await runPipeline(ctx, refs, opts, (update) => progress.update(update));
          } finally {
            notifications.stop();
          }
          progress.done();
          if (globals.json) printJson(ctx.io, result);
          else ctx.io.out(summary(result));
          if (result.interrupted) return 130;
          // needs-you is not success: a person has findings to look at (the summary lists them).
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
    /** A line above the live block (a notification); the bell goes through, nothing else does. */
    note(text: string) {
      const bell = text.startsWith('\x07');
      const line = stripTerminalControls(bell ? text.slice(1) : text, { keepLayout: false });
      if (!live) return write(line);
      process.stderr.write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}\x1b[0J${bell ? '\x07' : ''}${line}\n`);
      drawn = 0;
      redraw();
    },
    done() {
      drawn = 0;
    },
  };
}

function summary(result: PipelineResult): string {
  const rows = result.lanes.map((l) => {
    const last = l.phases[l.phases.length - 1];
    const seconds = l.phases.reduce((s, p) => s + (p.phase === 'pr' ? 0 : (p.durationMs ?? 0)), 0) / 1000;
    const tokens = l.phases.reduce((s, p) => s + p.tokens, 0);
    const cost = l.phases.reduce((s, p) => s + (p.costUsd ?? 0), 0);
    const status =
      l.status === 'done' && l.warning
        ? 'done-no-commits'
        : l.status === 'done' && l.validation === 'approved'
          ? 'approved'
          : l.status;
    return [
      l.lane,
      l.issue,
      last ? `${last.phase}${last.round !== null ? ` r${last.round}` : ''}` : 'lane',
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
  return `${table(rows, ['LANE', 'ISSUE', 'PHASE', 'STATUS', 'AGENT TIME', 'TOKENS', 'COST', 'REASON'])}${rounds(result)}${openFindings(result)}\nwall ${(result.wallMs / 1000).toFixed(1)}s${timing}\n`;
}

/** Every review round of every lane: its verdict, findings by severity, the fix that answered it. */
function rounds(result: PipelineResult): string {
  const rows = result.lanes.flatMap((l) =>
    l.rounds.map((r) => {
      const f = r.findings;
      const findings =
        f.total === 0
          ? 'none'
          : (['blocker', 'major', 'minor', 'nit'] as const)
              .filter((s) => f[s] > 0)
              .map((s) => `${f[s]} ${s}`)
              .join(', ');
      const fix = r.fix
        ? r.fix.status === 'fixed'
          ? `${r.fix.fixed} fixed, ${r.fix.disputed} disputed, ${r.fix.deferred} deferred, ${r.fix.open} open`
          : `fix ${r.fix.status}`
        : '-';
      return [
        l.lane,
        String(r.round),
        `${r.verdict}${r.reused ? ' (stored)' : ''}`,
        findings,
        fix,
        `${(r.durationMs / 1000).toFixed(1)}s`,
        String(r.tokens),
        `$${(r.costUsd ?? 0).toFixed(4)}`,
      ];
    }),
  );
  if (rows.length === 0) return '';
  return `\n${table(rows, ['LANE', 'ROUND', 'VERDICT', 'FINDINGS', 'FIX', 'TIME', 'TOKENS', 'COST'])}`;
}

/** The findings a person has to look at: those of each lane that stopped without approval. */
function openFindings(result: PipelineResult): string {
  const lanes = result.lanes.filter((l) => l.status === 'needs-you' && l.openFindings.length > 0);
  return lanes
    .map(
      (l) =>
        `\n${l.lane} needs you: ${l.reason ?? 'not approved'}\n${l.openFindings
          .map((f) => `  ${f.id}  ${f.severity.padEnd(7)}  ${oneLine(findingPlace(f), 40)}  ${oneLine(f.message, 100)}`)
          .join('\n')}\n`,
    )
    .join('');
}
