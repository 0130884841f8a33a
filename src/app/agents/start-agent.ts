/**
 * `lanes start`: starts an agent phase in a lane. The prompt is built and saved in the run's
 * folder, the adapter turns it into a launch (argument array, environment, stdin file), and a
 * supervisor process is started detached (headless) or inside a tmux session (tmux). The
 * supervisor runs the agent, records its output, exit, tokens and cost, and outlives lanes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentRunRequest } from '../../contracts/agent-adapter.js';
import { InputError } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import { buildPrompt, type AgentPhase } from '../../domain/prompt.js';
import { childEnvironment, exec, startDetached } from '../../infra/exec.js';
import type { RunRecord } from '../../infra/store.js';
import type { Context } from '../context.js';
import { requireAgentsReady } from './preflight.js';
import type { ResolvedAgent, Runner } from './resolve-agent.js';
import { isActive, latestRunOf, setLaneAgentState } from './runs.js';
import { SUPERVISOR_ENV_FILE, type SupervisorSpec } from './supervise.js';

export interface StartOptions {
  phase: AgentPhase;
  agent?: string | undefined;
  model?: string | undefined;
  runner?: Runner | undefined;
  /** Resume the session of the lane's previous run of the same agent. */
  resume?: boolean;
  plan?: string | undefined;
  findings?: string | undefined;
}

const RULES_FILES = ['CLAUDE.md', 'AGENTS.md', 'GEMINI.md'];

export function tmuxSessionName(commonDir: string, lane: string): string {
  // One session per lane and repository: two clones with a lane of the same name never collide.
  let hash = 0;
  for (const ch of commonDir) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `lanes-${hash.toString(36)}-${lane}`;
}

export async function startAgent(ctx: Context, lane: LaneRecord, opts: StartOptions): Promise<RunRecord> {
  const [repo, config, store, source] = await Promise.all([ctx.repo(), ctx.config(), ctx.store(), ctx.issueSource()]);
  const previous = latestRunOf(store, lane);
  if (previous && isActive(previous)) {
    throw new InputError(`lane ${lane.name} already has an agent ${previous.status} (${previous.agent}, ${previous.phase}); stop it first with: lanes stop ${lane.name}`);
  }
  if (!existsSync(lane.path)) throw new InputError(`lane ${lane.name} has no worktree at ${lane.path}; lanes doctor explains what happened`);
  // Checked before a run is recorded: an agent that cannot start leaves the lane as it was.
  const [agent] = requireAgentsReady(config, ctx.env, [{ ...opts, phase: opts.phase }]) as [ResolvedAgent];
  const env = { ...ctx.env, ...agent.env };

  const startedAt = new Date().toISOString();
  const runId = store.insertRun({ lane: lane.name, phase: opts.phase, agent: agent.name, adapter: agent.adapter.name, model: agent.model ?? null, runner: agent.runner, runDir: '', startedAt });
  const runDir = join(store.dir, 'runs', lane.name, `${runId}-${opts.phase}`);
  const fail = (reason: string) => {
    store.updateRun(runId, { status: 'failed', endedAt: new Date().toISOString(), reason });
    setLaneAgentState(store, lane.name, 'failed', 'failed');
  };
  try {
    const issue = await source.getIssue(lane.issue.id, ctx.signal);
    const rules = RULES_FILES.filter((f) => existsSync(join(lane.path, f))).map((file) => ({ file, text: readFileSync(join(lane.path, file), 'utf8') }));
    mkdirSync(runDir, { recursive: true });
    const promptFile = join(runDir, 'prompt.md');
    writeFileSync(promptFile, buildPrompt({ phase: opts.phase, issue, lane, rules, plan: opts.plan, findings: opts.findings }));
    const resumeFrom = opts.resume ? store.runsOf(lane.name).reverse().find((r) => r.agent === agent.name && r.sessionId)?.sessionId ?? undefined : undefined;
    const request: AgentRunRequest = {
      promptFile,
      lane: lane.name,
      worktree: lane.path,
      runDir,
      env,
      ...(agent.model ? { model: agent.model } : {}),
      ...(env.LANES_AGENT_HOME ? { agentHome: env.LANES_AGENT_HOME } : {}),
      ...(resumeFrom ? { resumeSessionId: resumeFrom } : {}),
      ...(agent.bin ? { bin: agent.bin } : {}),
      ...(agent.command ? { command: agent.command } : {}),
    };
    const launch = agent.adapter.launch(request);
    const spec: SupervisorSpec = { commonDir: repo.commonDir, runId, lane: lane.name, adapter: agent.adapter.name, model: agent.model ?? null, timeoutMs: agent.timeoutMs, launch, phase: opts.phase, branch: lane.branch };
    writeFileSync(join(runDir, 'launch.json'), `${JSON.stringify(spec, null, 2)}\n`);
    store.setRunDir(runId, runDir);
    setLaneAgentState(store, lane.name, 'starting', opts.phase);

    const supervisor = join(ctx.packageRoot, 'dist', 'supervisor.js');
    if (agent.runner === 'tmux') {
      const session = tmuxSessionName(repo.commonDir, lane.name);
      // A finished run's pane waits for Enter to close; the new run takes the session's name.
      await exec('tmux', ['kill-session', '-t', `=${session}`], { env: ctx.env, signal: ctx.signal, check: false });
      // A tmux server that already runs starts panes with its own environment, not this one: the
      // supervisor reads lanes' environment from a file only the user can read, then deletes it.
      writeFileSync(join(runDir, SUPERVISOR_ENV_FILE), JSON.stringify(childEnvironment(ctx.env)), { mode: 0o600 });
      await exec('tmux', ['new-session', '-d', '-s', session, '-c', lane.path, '--', process.execPath, supervisor, runDir, '--show'], { env: ctx.env, signal: ctx.signal });
    } else {
      const pid = startDetached(process.execPath, [supervisor, runDir], { cwd: lane.path, env: ctx.env, logFile: join(runDir, 'supervisor.log') });
      store.updateRun(runId, { supervisorPid: pid });
    }
    return store.getRun(runId)!;
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
    throw err;
  }
}
