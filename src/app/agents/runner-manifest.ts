/**
 * `lanes runner manifest <runner> <lane> [--phase P]`: what a run of that lane's phase on a runner
 * configured under `runners` would create (Kubernetes: the ConfigMap and the Job, as YAML), built by
 * the same code as a real run from the same prompt and launch, with nothing recorded, pushed or sent.
 * The run's number is 0 in names and labels: a real run has its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../domain/errors.js';
import { didYouMean } from '../../domain/nearest.js';
import type { AgentPhase } from '../../domain/phases.js';
import type { Context } from '../context.js';
import { requireLane } from '../lane/require-lane.js';
import { resolveAgent } from './resolve-agent.js';
import { lanePrompt } from './start-agent.js';

export async function runnerManifest(
  ctx: Context,
  runnerName: string,
  laneName: string,
  phase: AgentPhase,
): Promise<string> {
  const [config, repo] = await Promise.all([ctx.config(), ctx.repo()]);
  const settings = config.runners[runnerName];
  if (!settings) {
    const known = Object.keys(config.runners);
    throw new InputError(
      `runner ${JSON.stringify(runnerName)} is not configured${didYouMean(runnerName, known)} (${known.length ? `configured: ${known.join(', ')}` : 'lanes.config.json has no "runners"'})`,
    );
  }
  const executor = (await ctx.remoteExecutors()).get(settings.type);
  if (!executor?.preview)
    throw new InputError(
      `runner ${runnerName} (type ${settings.type}) has no manifest to print: only Kubernetes runners do`,
    );
  const lane = await requireLane(ctx, laneName, 'lanes runner manifest');
  const [adapters, source] = await Promise.all([ctx.agentAdapters(), ctx.issueSource()]);
  const agent = resolveAgent(config, adapters, phase, { runner: runnerName });
  const env = { ...ctx.env, ...agent.env };
  // The prompt file lives in a scratch folder standing in for the run's folder.
  const runDir = mkdtempSync(join(tmpdir(), 'lanes-manifest-'));
  try {
    const promptFile = join(runDir, 'prompt.md');
    writeFileSync(promptFile, await lanePrompt(ctx, source, lane, { phase }));
    const launch = agent.adapter.launch({
      promptFile,
      lane: lane.name,
      worktree: lane.path,
      runDir,
      env,
      ...(agent.model ? { model: agent.model } : {}),
      ...(env.LANES_AGENT_HOME ? { agentHome: env.LANES_AGENT_HOME } : {}),
      ...(agent.bin ? { bin: agent.bin } : {}),
      ...(agent.command ? { command: agent.command } : {}),
    });
    return await executor.preview({
      runId: 0,
      lane: lane.name,
      branch: lane.branch,
      phase,
      worktree: lane.path,
      commonDir: repo.commonDir,
      runDir,
      launch,
      runner: runnerName,
      settings,
      timeoutMs: agent.timeoutMs,
      env: ctx.env,
    });
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}
