/**
 * The Kubernetes executor: one agent run as one batch/v1 Job (see ./manifest.ts, ./script.ts).
 *
 * Order: check the cluster answers (and the Secret exists), push the lane's branch to the runner's
 * remote (never forced), create the ConfigMap and the Job, follow the pod's log into the adapter's
 * parser, map the Job's end (deadline → timed-out, image pull error, eviction, a Job deleted behind
 * lanes' back → spawn-failed with one line), bring the Job's commits back into the lane, and delete
 * what it created. Abort (`lanes stop`) deletes the Job with Foreground propagation: the script's
 * SIGTERM trap pushes what the agent committed, which is then fetched like any other end.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  REMOTE_STATUS_FILE,
  type RemoteExecutor,
  type RemoteLeftover,
  type RemoteRun,
  type RemoteRunEvents,
  type RemoteStatus,
} from '../../../contracts/executor.js';
import { ToolError } from '../../../domain/errors.js';
import { KubernetesRunnerSchema } from '../../../infra/config-schema.js';
import type { SupervisedExit } from '../../../infra/exec.js';
import { connectKube, KubeError, type KubeApi } from './api.js';
import { bringBack, catchUp, identity, pushBranch, remoteUrl, tipOf } from './git-sync.js';
import { planJob, withoutCredentials, type JobPlan, type KubernetesSettings } from './manifest.js';
import { CONTAINER, LABELS, LANE_ANNOTATION, repoLabel, repoSelector } from './names.js';
import { NOTE, SCRIPT_EXIT, STDERR_NOTE } from './script.js';
import { jobState, type JobState } from './status.js';

/** How often the Job and its pod are read; a test may make it shorter. */
const POLL_MS = Number(process.env.LANES_K8S_POLL_MS) || 1000;
/** How long a deleted Job may take to go (its pod's grace period, the push of what was committed). */
const GONE_WAIT_MS = 60_000;
/** How long the API may fail while a Job runs before lanes gives the run up. */
const UNREACHABLE_MS = 60_000;

export const kubernetesExecutor: RemoteExecutor = {
  type: 'kubernetes',
  run: (run, events) => new KubernetesRun(run, events).run(),
  preview: async (run) => {
    const settings = KubernetesRunnerSchema.parse(run.settings);
    const prepared = await prepare(run, settings);
    if (typeof prepared === 'string') throw new ToolError(`runner ${run.runner}: ${prepared}`);
    const { configMap, job } = prepared.plan;
    // Plain data (no undefined), in the order kubectl applies them: the ConfigMap the Job mounts first.
    return [configMap, job].map((o) => stringify(JSON.parse(JSON.stringify(o)), { lineWidth: 0 })).join('---\n');
  },
  leftovers: async ({ settings: raw, commonDir }) => {
    const settings = KubernetesRunnerSchema.parse(raw);
    const ns = settings.namespace;
    const api = await connectKube({ context: settings.context });
    // A Job already being deleted is on its way out: not a leftover.
    const selector = repoSelector(repoLabel(commonDir));
    const all = await api.listJobs(ns, selector);
    const jobs = all.filter((j) => !j.metadata?.deletionTimestamp);
    // A ConfigMap whose Job is gone (lanes stopped between creating the two): a leftover too.
    const jobNames = new Set(all.map((j) => j.metadata?.name));
    const maps = (await api.listConfigMaps(ns, selector)).filter(
      (m) => !jobNames.has(m.metadata?.name?.replace(/-input$/, '')),
    );
    const lonelyMaps = maps.map((m): RemoteLeftover => {
      const run = Number(m.metadata?.labels?.[LABELS.run]);
      return {
        description: `ConfigMap ${m.metadata!.name!} in namespace ${ns} (its Job is gone)`,
        lane: m.metadata?.annotations?.[LANE_ANNOTATION] ?? m.metadata?.labels?.[LABELS.lane],
        runId: Number.isInteger(run) ? run : undefined,
        remove: () => api.deleteConfigMap(ns, m.metadata!.name!),
      };
    });
    const jobLeftovers = await Promise.all(
      jobs.map(async (job): Promise<RemoteLeftover> => {
        const name = job.metadata!.name!;
        const pods = await api.listPods(ns, `job-name=${name}`);
        const phase = pods.map((p) => p.status?.phase ?? 'Unknown').join(', ') || 'no pod';
        const run = Number(job.metadata?.labels?.[LABELS.run]);
        return {
          description: `Job ${name} in namespace ${ns} (pod: ${phase})`,
          lane: job.metadata?.annotations?.[LANE_ANNOTATION] ?? job.metadata?.labels?.[LABELS.lane],
          runId: Number.isInteger(run) ? run : undefined,
          remove: async () => {
            await api.deleteJob(ns, name, 'Foreground');
            await api.deleteConfigMap(ns, `${name}-input`);
          },
        };
      }),
    );
    return [...jobLeftovers, ...lonelyMaps];
  },
};

interface Prepared {
  start: string;
  plan: JobPlan;
}

/** The facts a Job needs from the repository, and the Job; a string says what is missing. */
async function prepare(r: RemoteRun, settings: KubernetesSettings): Promise<Prepared | string> {
  if (!r.branch) return 'a Kubernetes run needs the lane to have a branch';
  const start = await tipOf(r.worktree, r.branch);
  if (!start) return `branch ${r.branch} does not exist in ${r.worktree}`;
  const url = await remoteUrl(r.worktree, settings.remote);
  if (!url)
    return `the repository has no remote ${JSON.stringify(settings.remote)}, which the Job clones from and pushes to: add one (git remote add ${settings.remote} <url>) or set runners.${r.runner}.remote`;
  const stdin = r.launch.stdin;
  const plan = planJob({
    settings,
    repo: repoLabel(r.commonDir),
    runId: r.runId,
    lane: r.lane,
    phase: r.phase,
    branch: r.branch,
    worktree: r.worktree,
    runDir: r.runDir,
    launch: r.launch,
    timeoutMs: r.timeoutMs,
    start,
    url: withoutCredentials(url),
    prompt: stdin === 'closed' ? undefined : readFileSync(stdin.file, 'utf8'),
    identity: await identity(r.worktree),
  });
  return { start, plan };
}

class KubernetesRun {
  private readonly settings: KubernetesSettings;
  private readonly say: (line: string) => void;
  private api: KubeApi | undefined;
  private readonly notes: string[] = [];

  constructor(
    private readonly r: RemoteRun,
    private readonly events: RemoteRunEvents,
  ) {
    this.settings = KubernetesRunnerSchema.parse(r.settings);
    this.say = (line) => appendFileSync(events.stderrFile, `lanes: ${line}\n`);
  }

  private failed(message: string): SupervisedExit {
    this.say(message);
    return { kind: 'spawn-failed', message: `runner ${this.r.runner}: ${message}` };
  }

  async run(): Promise<SupervisedExit> {
    try {
      return await this.runChecked();
    } catch (err) {
      if (err instanceof KubeError) return this.failed(`${err.message}; lanes start ${this.r.lane} resumes the lane`);
      // The contract: an executor resolves, it never throws (a git push cut short by lanes stop …).
      if (this.events.signal.aborted) return { kind: 'aborted' };
      const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      return this.failed(`${message}; lanes start ${this.r.lane} resumes the lane`);
    }
  }

  private async runChecked(): Promise<SupervisedExit> {
    const { r, settings } = this;
    const ns = settings.namespace;
    if (r.branch) {
      const caught = await catchUp({ worktree: r.worktree, remote: settings.remote, branch: r.branch, runId: r.runId });
      if (caught) this.say(`${settings.remote}/${r.branch} had commits of an earlier run: ${caught.note}`);
    }
    const prepared = await prepare(r, settings);
    if (typeof prepared === 'string') return this.failed(prepared);
    const { start, plan } = prepared;

    this.api = await connectKube({ context: settings.context });
    const api = this.api;
    const secret = settings.secretName ? await api.secretExists(ns, settings.secretName) : true;
    if (secret === undefined)
      this.say(`not allowed to read Secret ${settings.secretName} in namespace ${ns} (403): not checked`);
    if (secret === false)
      return this.failed(
        `the Secret ${settings.secretName} does not exist in namespace ${ns}: create it with kubectl create secret generic ${settings.secretName} -n ${ns} --from-literal=ANTHROPIC_API_KEY=… (see the README, "Running agents on Kubernetes")`,
      );
    if (this.events.signal.aborted) return { kind: 'aborted' };

    const pushed = await pushBranch(r.worktree, settings.remote, r.branch, start, this.events.signal);
    if (pushed !== undefined)
      return this.failed(
        `could not push ${r.branch} to ${settings.remote} (${pushed}); the Job starts from the lane's commit there: if ${settings.remote} has commits the lane lacks, merge them into the lane first`,
      );

    if (plan.withheld.length > 0)
      this.say(
        `not sent in the Job spec (the Secret${settings.secretName ? ` ${settings.secretName}` : ''} must supply them): ${plan.withheld.join(', ')}`,
      );
    const name = plan.job.metadata!.name!;
    const mapName = plan.configMap.metadata!.name!;
    await api.createConfigMap(plan.configMap);
    try {
      await api.createJob(plan.job);
      this.say(`created Job ${name} in namespace ${ns} (context ${api.context}, start ${start.slice(0, 12)})`);
      this.events.onStart?.(`job/${name}`);
      const exit = await this.watch(api, name, start);
      return exit;
    } finally {
      await api
        .deleteConfigMap(ns, mapName)
        .catch((err: unknown) => this.say(`could not delete ConfigMap ${mapName}: ${String(err)}`));
    }
  }

  /** Follows the Job to its end; every path out brings back what the Job pushed. */
  private async watch(api: KubeApi, name: string, start: string): Promise<SupervisedExit> {
    const { r, settings } = this;
    const ns = settings.namespace;
    const selector = `job-name=${name}`;
    const logs = new LogFollower(api, ns, (line) => this.line(line));
    const backstop = Date.now() + r.timeoutMs + 60_000;
    const aborted = () => this.events.signal.aborted;
    let unreachableSince: number | undefined;
    try {
      for (;;) {
        if (aborted()) {
          this.say(`stopping: deleting Job ${name} (propagation Foreground)`);
          try {
            await api.deleteJob(ns, name, 'Foreground');
            await this.waitGone(api, name);
          } catch (err) {
            this.say(`${errorLine(err)}; the Job may still run: lanes doctor --fix deletes it`);
          }
          await logs.finish();
          await this.sync(start);
          return { kind: 'aborted' };
        }
        if (Date.now() > backstop) {
          this.say(`the cluster did not end Job ${name} at its deadline: lanes deletes it`);
          await api.deleteJob(ns, name, 'Foreground');
          await this.waitGone(api, name);
          await this.sync(start);
          return { kind: 'timed-out' };
        }
        let job: V1Job | undefined;
        let pods: V1Pod[];
        try {
          job = await api.readJob(ns, name);
          pods = job ? await api.listPods(ns, selector) : [];
          unreachableSince = undefined;
        } catch (err) {
          // A blip (a network hiccup, an API server restart) does not end a run that goes on in the
          // cluster; a minute of it does, and lanes then deletes the Job it can no longer watch.
          unreachableSince ??= Date.now();
          if (Date.now() - unreachableSince < UNREACHABLE_MS) {
            await sleep(POLL_MS, this.events.signal);
            continue;
          }
          await api.deleteJob(ns, name, 'Foreground').catch(() => undefined);
          throw err;
        }
        if (!job) {
          await logs.finish();
          const sync = await this.sync(start);
          return this.failed(
            `Job ${name} was deleted outside lanes (kubectl delete, a namespace cleanup); ${sync}; lanes start ${r.lane} resumes the lane`,
          );
        }
        const state: JobState = jobState(job, pods);
        this.status(name, describePhase(job, pods));
        if (state.kind === 'running' || ('pod' in state && state.pod)) logs.follow((state as { pod: string }).pod);
        switch (state.kind) {
          case 'pending':
          case 'running':
            break;
          case 'image-pull':
            await api.deleteJob(ns, name, 'Foreground');
            return this.failed(
              `the cluster cannot pull image ${settings.image} (${state.reason}${state.message ? `: ${state.message}` : ''}): fix runners.${r.runner}.image or the namespace's image pull secrets, then lanes start ${r.lane}`,
            );
          case 'config-error':
            await api.deleteJob(ns, name, 'Foreground');
            return this.failed(
              `the agent's container could not be created: ${state.message}; check runners.${r.runner}.secretName and serviceAccount`,
            );
          case 'evicted': {
            await this.waitPodsDone(api, selector);
            await logs.finish();
            const sync = await this.sync(start);
            await api.deleteJob(ns, name, 'Background');
            return this.failed(
              `pod ${state.pod} was evicted (${state.message}); ${sync}; raise runners.${r.runner}.resources or pick another node, then lanes start ${r.lane} resumes the lane`,
            );
          }
          case 'deadline':
            await this.waitPodsDone(api, selector);
            await logs.finish();
            this.say(`Job ${name} passed its activeDeadlineSeconds`);
            await this.sync(start);
            await api.deleteJob(ns, name, 'Background');
            return { kind: 'timed-out' };
          case 'succeeded':
          case 'failed': {
            await logs.finish();
            const pushFailed = this.notes.find((n) => /^push failed/.test(n));
            const cloneFailed = this.notes.find((n) => /^(clone|checkout|setup) failed/.test(n));
            const sync = await this.sync(start);
            await api.deleteJob(ns, name, 'Background');
            if (cloneFailed)
              return this.failed(
                `the Job could not get the lane's branch (${cloneFailed}): the image needs git, and the Secret GIT_CREDENTIALS when ${settings.remote} needs a login`,
              );
            if (pushFailed)
              return this.failed(
                `the Job could not push its commits back (${pushFailed}): the Secret needs GIT_CREDENTIALS with write access; ${sync}`,
              );
            if (state.kind === 'succeeded') return { kind: 'exited', exitCode: 0 };
            const code = state.exitCode ?? this.agentExit();
            if (code === undefined) return this.failed(`Job ${name} failed: ${state.message}`);
            // The script's own steps failed before the agent ran (no "exit" note from it).
            if (this.agentExit() === undefined && (code === SCRIPT_EXIT.setup || code === SCRIPT_EXIT.clone))
              return this.failed(
                `the Job's setup failed (exit ${code}) before the agent ran: its log is in stderr.log`,
              );
            return { kind: 'exited', exitCode: code };
          }
        }
        await sleep(POLL_MS, this.events.signal);
      }
    } finally {
      logs.stop();
    }
  }

  private lastPhase = '';
  /** For `lanes ls`: the Job's and pod's phase, in the run's folder, when it changes. */
  private status(name: string, phase: string): void {
    if (phase === this.lastPhase) return;
    this.lastPhase = phase;
    const status: RemoteStatus = {
      handle: `job/${name} in namespace ${this.settings.namespace}`,
      phase,
      updatedAt: new Date().toISOString(),
    };
    try {
      writeFileSync(join(this.r.runDir, REMOTE_STATUS_FILE), `${JSON.stringify(status)}\n`);
    } catch {
      // Only a display: a run folder that cannot take it does not stop the run.
    }
  }

  /** A log line: the script's notes and the agent's stderr go to stderr.log, the agent's stdout to the parser. */
  private line(line: string): void {
    if (line.startsWith(STDERR_NOTE)) {
      appendFileSync(this.events.stderrFile, `${line.slice(STDERR_NOTE.length)}\n`);
    } else if (line.startsWith(NOTE)) {
      const note = line.slice(NOTE.length);
      this.notes.push(note);
      appendFileSync(this.events.stderrFile, `job: ${note}\n`);
    } else {
      this.events.onStdoutLine(line);
    }
  }

  private agentExit(): number | undefined {
    const exit = this.notes.map((n) => /^exit (\d+)$/.exec(n)).find(Boolean);
    return exit ? Number(exit[1]) : undefined;
  }

  private async waitGone(api: KubeApi, name: string): Promise<void> {
    const until = Date.now() + GONE_WAIT_MS;
    while (Date.now() < until && (await api.readJob(this.settings.namespace, name))) await sleep(POLL_MS);
  }

  /** The cluster stops a Job's pods on its own (deadline, eviction): their SIGTERM trap pushes first. */
  private async waitPodsDone(api: KubeApi, selector: string): Promise<void> {
    const until = Date.now() + GONE_WAIT_MS;
    const live = (pods: V1Pod[]) =>
      pods.some((p) => p.status?.containerStatuses?.some((c) => c.state?.running) ?? false);
    while (Date.now() < until && live(await api.listPods(this.settings.namespace, selector))) await sleep(POLL_MS);
  }

  /** Brings the Job's commits back; returns what happened, also written to stderr.log. */
  private async sync(start: string): Promise<string> {
    const { r, settings } = this;
    const result = await bringBack({
      worktree: r.worktree,
      remote: settings.remote,
      branch: r.branch,
      start,
      runId: r.runId,
    });
    this.say(result.note);
    return result.note;
  }
}

/**
 * Follows one pod's log once it runs. A stream the server closes early is reopened and the lines
 * already seen are skipped, so the parser gets every line once.
 */
class LogFollower {
  private pod: string | undefined;
  private seen = 0;
  private running: Promise<void> | undefined;
  private readonly controller = new AbortController();
  private done = false;

  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
    private readonly onLine: (line: string) => void,
  ) {}

  follow(pod: string): void {
    if (this.pod === pod && this.running) return;
    if (this.pod !== pod) this.seen = 0;
    this.pod = pod;
    this.running = this.once(pod).finally(() => {
      this.running = undefined;
    });
  }

  private async once(pod: string): Promise<void> {
    let index = 0;
    try {
      await this.api.followLog(
        this.namespace,
        pod,
        CONTAINER,
        (line) => {
          if (index++ >= this.seen) {
            this.seen++;
            this.onLine(line);
          }
        },
        this.controller.signal,
      );
    } catch {
      // Not ready yet (ContainerCreating) or a broken stream: the next poll follows again.
    }
  }

  /** After the container ended: read to the end of its log (one more pass for lines a broken stream lost). */
  async finish(): Promise<void> {
    if (this.done || !this.pod) return;
    const bounded = (p: Promise<void>) => Promise.race([p, sleep(15_000)]);
    if (this.running) await bounded(this.running);
    this.running = this.once(this.pod);
    await bounded(this.running);
    this.done = true;
  }

  stop(): void {
    this.controller.abort();
  }
}

function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** "Job active, pod Running"; a waiting container's reason in brackets. */
function describePhase(job: V1Job, pods: readonly V1Pod[]): string {
  const conditions = job.status?.conditions ?? [];
  const done = conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  const jobPhase = job.metadata?.deletionTimestamp
    ? 'deleting'
    : done
      ? `${done.type === 'Complete' ? 'complete' : 'failed'}${done.reason ? ` (${done.reason})` : ''}`
      : 'active';
  const pod = pods[pods.length - 1];
  const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
  const podPhase = pod ? `pod ${pod.status?.phase ?? 'Unknown'}${waiting ? ` (${waiting})` : ''}` : 'no pod yet';
  return `Job ${jobPhase}, ${podPhase}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
