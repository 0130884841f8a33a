/**
 * The heal agent words one rule per group. It is an agent run like any other (started by
 * startAgentRun through the configured runner, recorded with phase `heal`, so stats can cost it),
 * recorded under the pseudo-lane `.heal`, a name no lane can have (lane names never start with a
 * dot), as a run beside the lanes (`review: true`: read-only, nothing to resume, no lane state).
 * Its working folder is a fresh temporary folder holding only the grouped findings and the current
 * rules text, so it does not load and obey the rules files it judges (an agent reads the CLAUDE.md
 * or AGENTS.md of its working folder and its parents; a temporary folder has none).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InterruptedError, ToolError } from '../../domain/errors.js';
import type { HealGroup } from '../../domain/heal-groups.js';
import {
  healGroupsJson,
  healJsonSchema,
  healPrompt,
  parseHealAnswer,
  type HealAnswer,
} from '../../domain/heal-prompt.js';
import type { RunRecord } from '../../infra/store.js';
import type { Context } from '../context.js';
import { requireAgentsReady } from '../agents/preflight.js';
import { isActive, waitForRun } from '../agents/runs.js';
import { startAgentRun } from '../agents/start-agent.js';
import { stopRun } from '../agents/stop-agent.js';

/** The name heal's runs are recorded under: not a valid lane name, so it never meets a lane. */
export const HEAL_RUN_LANE = '.heal';

export function tempRoot(ctx: Context): string {
  return ctx.env.TMPDIR ?? ctx.env.TEMP ?? ctx.env.TMP ?? tmpdir();
}

export async function wordRules(
  ctx: Context,
  groups: readonly HealGroup[],
  rulesText: string,
): Promise<{ answer: HealAnswer; run: RunRecord }> {
  const [config, adapters, store] = await Promise.all([ctx.config(), ctx.agentAdapters(), ctx.store()]);
  const [agent] = requireAgentsReady(config, adapters, ctx.env, [{ phase: 'heal' }]);
  const dir = mkdtempSync(join(tempRoot(ctx), 'lanes-heal-'));
  try {
    const groupsJson = healGroupsJson(groups);
    writeFileSync(join(dir, 'findings.json'), groupsJson);
    writeFileSync(join(dir, 'current-rules.md'), rulesText);
    const run = await startAgentRun(
      ctx,
      { name: HEAL_RUN_LANE },
      {
        phase: 'heal',
        agent: agent!,
        cwd: dir,
        prompt: () => Promise.resolve(healPrompt({ groupsJson, rulesText })),
        outputSchema: healJsonSchema(),
        review: true,
      },
    );
    let finished = await waitForRun(store, ctx.runners, run.id, ctx.signal);
    if (isActive(finished)) finished = await stopRun(ctx, finished);
    if (ctx.signal.aborted) throw new InterruptedError('lanes heal interrupted: the heal agent was stopped');
    const transcript = join(finished.runDir, 'output.jsonl');
    if (finished.status !== 'done')
      throw new ToolError(
        `the heal agent ${agent!.name} did not finish (${finished.reason ?? finished.status}); transcript: ${transcript}`,
      );
    let text = '';
    try {
      text = readFileSync(join(finished.runDir, 'result.md'), 'utf8');
    } catch {
      // No final text: the parse below says so.
    }
    const parsed = parseHealAnswer(text);
    if (!parsed.ok)
      throw new ToolError(
        `the heal agent ${agent!.name} answered without valid rules: ${parsed.error}; transcript: ${transcript}`,
      );
    return { answer: parsed.value, run: finished };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
