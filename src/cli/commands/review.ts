import type { Command } from 'commander';
import type { ReviewResult } from '../../app/validation/review-lane.js';
import type { Finding } from '../../domain/review.js';
import { stripTerminalControls } from '../../domain/terminal-text.js';
import { action, type CliRuntime } from '../command.js';
import { printJson } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('review')
    .description(
      "fresh-context review of a lane's head commit and spec audit: a new agent in its own read-only checkout; stores findings and a verdict",
    )
    .argument('[lane]', 'lane name or issue number (default: the lane whose worktree you are in)')
    .option(
      '--reviewer <agent>',
      'the reviewer (default: phases.review.agent, never the vendor that implemented the lane when another is configured)',
    )
    .option(
      '--adversarial',
      'two reviewers of different vendors in parallel (phases.review.agents, default claude and codex), merged',
    )
    .option('--again', 'review the same head again instead of returning the stored review')
    .action(
      action(
        runtime,
        async (
          ctx,
          globals,
          name: string | undefined,
          opts: { reviewer?: string; adversarial?: boolean; again?: boolean },
        ) => {
          const [{ reviewLane }, { requireCurrentLane }] = await Promise.all([
            import('../../app/validation/review-lane.js'),
            import('../../app/lane/require-lane.js'),
          ]);
          const lane = name ?? (await requireCurrentLane(ctx, 'lanes review')).name;
          const result = await reviewLane(ctx, lane, {
            reviewer: opts.reviewer,
            adversarial: opts.adversarial === true,
            again: opts.again === true,
            say: (text) => ctx.io.err(`lanes: ${stripTerminalControls(text, { keepLayout: false })}`),
          });
          if (globals.json) printJson(ctx.io, reviewJson(result));
          else ctx.io.out(reviewText(result));
          return 0;
        },
      ),
    );
}

/** The SPEC's review object, plus what lanes knows about how it was made. */
export function reviewJson(result: ReviewResult): Record<string, unknown> {
  const v = result.verdict;
  return {
    lane: result.lane,
    verdict: v.verdict,
    findings: v.findings,
    audit: v.audit,
    round: v.round,
    head: v.head,
    base: v.base,
    reviewers: v.reviewers,
    adversarial: v.adversarial,
    disagreements: v.disagreements,
    disputes: v.disputes,
    reused: result.reused,
    published: result.published,
    reviews: result.reviews.map((r) => ({
      id: r.id,
      reviewer: r.reviewer,
      adapter: r.adapter,
      model: r.model,
      status: r.status,
      verdict: r.answer?.verdict ?? null,
      runs: r.runIds,
      head: r.head,
    })),
    tokens: result.tokens,
    costUsd: result.costUsd,
    durationMs: result.durationMs,
  };
}

function place(f: Finding): string {
  if (!f.file) return '(whole change)';
  return `${f.file}${f.line !== null ? `:${f.line}${f.endLine !== null && f.endLine !== f.line ? `-${f.endLine}` : ''}` : ''}`;
}

function clean(text: string): string {
  return stripTerminalControls(text, { keepLayout: false });
}

export function reviewText(result: ReviewResult): string {
  const v = result.verdict;
  const lines: string[] = [];
  lines.push(
    `${result.lane}: ${v.verdict} (round ${v.round}, head ${v.head.slice(0, 12)}, by ${v.reviewers.join(' + ')})${result.reused ? ' [stored review of this head; --again to review again]' : ''}`,
  );
  if (v.findings.length === 0) lines.push('  no findings');
  for (const f of v.findings) {
    lines.push(
      `  ${f.id} ${f.severity.padEnd(7)} ${f.category.padEnd(15)} ${clean(place(f))}${f.outsideDiff ? ' (outside the diff)' : ''}  [${f.reviewers.join(', ')}]`,
    );
    lines.push(`      ${clean(f.message).split('\n').join('\n      ')}`);
    if (f.suggestion) lines.push(`      suggestion: ${clean(f.suggestion)}`);
  }
  if (v.audit.criteria.length > 0) {
    lines.push('  acceptance criteria:');
    for (const c of v.audit.criteria)
      lines.push(
        `    ${c.status.padEnd(7)} ${clean(c.text)}${c.evidence.length ? ` (${clean(c.evidence.join(', '))})` : ''}`,
      );
  }
  if (v.audit.scopeDrift.length > 0) lines.push(`  scope drift: ${clean(v.audit.scopeDrift.join('; '))}`);
  for (const d of v.disagreements)
    lines.push(`  disagreement: ${d.kind === 'verdict' ? d.detail : `${d.findingId} ${d.detail}`}`);
  for (const d of v.disputes) lines.push(`  dispute ${d.id}: ${d.decision} (${clean(d.reason)})`);
  if (result.published.url) lines.push(`  posted: ${result.published.url}`);
  if (result.published.warning) lines.push(`  warning: ${clean(result.published.warning)}`);
  return `${lines.join('\n')}\n`;
}
