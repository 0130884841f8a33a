/**
 * `lanes start`: starts an agent phase in a lane. The prompt is built and saved in the run's
 * folder, the adapter turns it into a launch (argument array, environment, stdin file), and the
 * agent's runner starts a supervisor process (headless: detached; tmux: in a session). The
 * supervisor runs the agent, records its output, exit, tokens and cost, and outlives lanes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentRunRequest } from '../../contracts/agent-adapter.js';
import type { IssueSource } from '../../contracts/issue-source.js';
import { InputError } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import type { AgentPhase, RunPhase } from '../../domain/phases.js';
import { buildPrompt } from '../../domain/prompt.js';
import { didYouMean } from '../../domain/nearest.js';
import type { RunRecord } from '../../infra/store.js';
import type { Context } from '../context.js';
import { requireAgentsReady } from './preflight.js';
import type { ResolvedAgent } from './resolve-agent.js';
import { isActive, latestRunOf, setLaneAgentState } from './runs.js';
import type { SupervisorSpec } from './supervise.js';

export interface StartOptions {
  phase: AgentPhase;
  agent?: string | undefined;
  model?: string | undefined;
  /** A runner by name (`--runner`); default: the agent's configured runner, else the default one. */
  runner?: string | undefined;
  /** Resume the session of the lane's previous run of the same agent. */
  resume?: boolean;
  plan?: string | undefined;
  findings?: string | undefined;
  /** A JSON Schema (text) the final answer must satisfy (a fix round's answers to findings). */
  outputSchema?: string | undefined;
}

export const RULES_FILES = ['CLAUDE.md', 'AGENTS.md', 'GEMINI.md'];

export async function startAgent(ctx: Context, lane: LaneRecord, opts: StartOptions): Promise<RunRecord> {
  const [config, store, source, adapters] = await Promise.all([
    ctx.config(),
    ctx.store(),
    ctx.issueSource(),
    ctx.agentAdapters(),
  ]);
  const previous = latestRunOf(store, lane, ctx.runners);
  if (previous && isActive(previous)) {
    throw new InputError(
      `lane ${lane.name} already has an agent ${previous.status} (${previous.agent}, ${previous.phase}); stop it first with: lanes stop ${lane.name}`,
    );
  }
  if (!existsSync(lane.path))
    throw new InputError(`lane ${lane.name} has no worktree at ${lane.path}; lanes doctor explains what happened`);
  // Checked before a run is recorded: an agent that cannot start leaves the lane as it was.
  const [agent] = requireAgentsReady(config, adapters, ctx.env, [{ ...opts, phase: opts.phase }]) as [ResolvedAgent];
  const resumeFrom = opts.resume
    ? (store
        .runsOf(lane.name)
        .reverse()
        .find((r) => r.agent === agent.name && r.sessionId)?.sessionId ?? undefined)
    : undefined;
  return startAgentRun(ctx, lane, {
    phase: opts.phase,
    agent,
    cwd: lane.path,
    ...(resumeFrom ? { resumeSessionId: resumeFrom } : {}),
    ...(opts.outputSchema ? { outputSchema: opts.outputSchema } : {}),
    prompt: () => lanePrompt(ctx, source, lane, opts),
  });
}

/** A lane's prompt for a phase: its issue, the lane's facts and the repository's rules files. */
export async function lanePrompt(
  ctx: Context,
  source: IssueSource,
  lane: LaneRecord,
  opts: Pick<StartOptions, 'phase' | 'plan' | 'findings'>,
): Promise<string> {
  const issue = await source.getIssue(lane.issue.id, ctx.signal);
  const rules = RULES_FILES.filter((f) => existsSync(join(lane.path, f))).map((file) => ({
    file,
    text: readFileSync(join(lane.path, file), 'utf8'),
  }));
  return buildPrompt({ phase: opts.phase, issue, lane, rules, plan: opts.plan, findings: opts.findings });
}

/** One agent run, as `lanes start`, `lanes review` and `lanes fix` start it. */
export interface AgentRunSpec {
  phase: RunPhase;
  /** Resolved and checked (requireAgentsReady) by the caller. */
  agent: ResolvedAgent;
  /** The agent's working directory: the lane's worktree, or a review's own checkout. */
  cwd: string;
  /** The whole prompt; built after the run is recorded, so a failure to build it fails the run. */
  prompt: () => Promise<string>;
  resumeSessionId?: string;
  /** A JSON Schema (text) the final answer must satisfy: written beside the prompt and handed to the CLI. */
  outputSchema?: string;
  /** A reviewer: read-only where the CLI allows it, and nothing left to resume. */
  review?: boolean;
}

/**
 * What a run is recorded under: a lane (its name and branch), or a name no lane can have for a run
 * beside every lane (`lanes heal`'s `.heal`, always with `review: true` so no lane's state is touched).
 */
export type RunTarget = Pick<LaneRecord, 'name'> & { branch?: string | undefined };

/**
 * Records the run, writes its prompt (and schema) in the run's folder, which is outside any
 * checkout, builds the launch through the adapter and asks the agent's runner to start the
 * supervisor. Whatever fails before the supervisor starts fails the run and is thrown.
 */
export async function startAgentRun(ctx: Context, lane: RunTarget, spec: AgentRunSpec): Promise<RunRecord> {
  const [repo, store] = await Promise.all([ctx.repo(), ctx.store()]);
  const { agent } = spec;
  const runnerName = agent.runner ?? ctx.runners.defaultName;
  // A runner configured under `runners` (Kubernetes, SSH) runs the agent elsewhere, but its supervisor
  // is a local process like any headless run's: the run records the configured name, and the
  // supervisor hands the launch to that runner type's executor.
  const remote = (await ctx.config()).runners[runnerName];
  const runner = remote ? ctx.runners.get(ctx.runners.defaultName) : ctx.runners.get(runnerName);
  if (!runner) {
    const accepted = [...ctx.runners.names, ...Object.keys((await ctx.config()).runners)];
    throw new InputError(
      `runner ${JSON.stringify(runnerName)} is not known${didYouMean(runnerName, accepted)} (accepted: ${accepted.join(', ')}, or a name added under "runners" in lanes.config.json)`,
    );
  }
  const env = { ...ctx.env, ...agent.env };

  const startedAt = ctx.clock.now().toISOString();
  const runId = store.insertRun({
    lane: lane.name,
    phase: spec.phase,
    agent: agent.name,
    adapter: agent.adapter.name,
    model: agent.model ?? null,
    runner: remote ? runnerName : runner.name,
    runDir: '',
    startedAt,
  });
  const runDir = join(store.dir, 'runs', lane.name, `${runId}-${spec.phase}`);
  const fail = (reason: string) => {
    store.updateRun(runId, { status: 'failed', endedAt: ctx.clock.now().toISOString(), reason });
    if (!spec.review) setLaneAgentState(store, lane.name, 'failed', spec.phase);
  };
  try {
    mkdirSync(runDir, { recursive: true });
    const promptFile = join(runDir, 'prompt.md');
    writeFileSync(promptFile, await spec.prompt());
    let outputSchemaFile: string | undefined;
    if (spec.outputSchema) {
      outputSchemaFile = join(runDir, 'answer.schema.json');
      writeFileSync(outputSchemaFile, spec.outputSchema);
    }
    const request: AgentRunRequest = {
      promptFile,
      lane: lane.name,
      worktree: spec.cwd,
      runDir,
      env,
      ...(agent.model ? { model: agent.model } : {}),
      ...(env.LANES_AGENT_HOME ? { agentHome: env.LANES_AGENT_HOME } : {}),
      ...(spec.resumeSessionId ? { resumeSessionId: spec.resumeSessionId } : {}),
      ...(agent.bin ? { bin: agent.bin } : {}),
      ...(agent.command ? { command: agent.command } : {}),
      ...(outputSchemaFile ? { outputSchemaFile } : {}),
      ...(spec.review ? { readOnly: true, ephemeral: true } : {}),
    };
    const launch = agent.adapter.launch(request);
    const supervisorSpec: SupervisorSpec = {
      commonDir: repo.commonDir,
      runId,
      lane: lane.name,
      adapter: agent.adapter.name,
      model: agent.model ?? null,
      timeoutMs: agent.timeoutMs,
      launch,
      phase: spec.phase,
      ...(lane.branch === undefined ? {} : { branch: lane.branch }),
      ...(spec.review ? { leavesLaneState: true } : {}),
      ...(remote ? { remote: { runner: runnerName, type: remote.type, settings: remote } } : {}),
    };
    writeFileSync(join(runDir, 'launch.json'), `${JSON.stringify(supervisorSpec, null, 2)}\n`);
    store.setRunDir(runId, runDir);
    if (!spec.review) setLaneAgentState(store, lane.name, 'starting', spec.phase);

    const started = await runner.start({
      run: store.getRun(runId)!,
      worktree: spec.cwd,
      commonDir: repo.commonDir,
      // The supervisor runs on the same Node as lanes.
      supervisor: { file: process.execPath, args: [join(ctx.packageRoot, 'dist', 'supervisor.js'), runDir] },
      env: ctx.env,
      signal: ctx.signal,
    });
    if (started.supervisorPid !== null) store.updateRun(runId, { supervisorPid: started.supervisorPid });
    return store.getRun(runId)!;
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
    throw err;
  }
}
