// The Kubernetes runner through the built CLI: a fake API server (test/fakes/kubernetes-server.ts)
// that checks the Job lanes sends and runs its container command as a local process, so the real
// Claude Code CLI (against the fake model server) commits in a clone and pushes to a local bare
// remote; lanes brings the commit back into the lane. Stop, timeout and each fault end with one clear
// line and a lane that `lanes start` resumes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startFakeKube, type FakeKube } from '../fakes/kubernetes-server.js';
import {
  AGENTS_BIN,
  makeAgentRepo,
  startModelEndpoint,
  until,
  writeAndCommit,
  type AgentRepo,
  type ModelEndpoint,
} from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';

const withoutAgents = agentsMissing();
const IMAGE = 'registry.example/lanes-agent:1';
const SECRET_VALUE = 'sk-ant-very-secret-value';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let repo: AgentRepo | undefined;
let endpoint: ModelEndpoint | undefined;
let kube: FakeKube | undefined;
afterEach(async () => {
  await kube?.close();
  await repo?.dispose();
  await endpoint?.close();
  repo = endpoint = kube = undefined;
});

interface RunJson {
  id: number;
  status: string;
  reason: string | null;
  runner: string;
}

async function setup(opts: { image?: string; timeoutMinutes?: number; delayMs?: number; phaseRunner?: boolean } = {}) {
  endpoint = await startModelEndpoint(writeAndCommit(opts.delayMs ? { delayMs: opts.delayMs } : {}));
  kube = await startFakeKube({
    namespace: 'agents',
    secrets: { 'agent-keys': { ANTHROPIC_API_KEY: SECRET_VALUE } },
    images: { [IMAGE]: { PATH: `${AGENTS_BIN}:${process.env.PATH}` } },
    gracePeriodSeconds: 5,
  });
  repo = makeAgentRepo({
    endpoint,
    issues: 1,
    config: {
      agent: 'claude',
      phases: {
        implement: {
          model: 'claude-sonnet-4-5',
          ...(opts.phaseRunner === false ? {} : { runner: 'k8s' }),
          ...(opts.timeoutMinutes ? { timeoutMinutes: opts.timeoutMinutes } : {}),
        },
      },
      runners: {
        k8s: {
          type: 'kubernetes',
          namespace: 'agents',
          image: opts.image ?? IMAGE,
          secretName: 'agent-keys',
          resources: { cpu: '1', memory: '1Gi' },
        },
      },
    },
  });
  const bare = join(repo.parent, 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', bare], { env: repo.env });
  repo.git('remote', 'add', 'origin', bare);
  repo.git('push', '-q', 'origin', 'HEAD:refs/heads/main');
  const kubeDir = join(repo.parent, 'kube');
  mkdirSync(kubeDir);
  kube.writeKubeconfig(join(kubeDir, 'config'));
  repo.agentEnv.KUBECONFIG = join(kubeDir, 'config');
  repo.agentEnv.LANES_K8S_POLL_MS = '150';
  expect((await repo.run(['new', '1', '--no-agent'])).code).toBe(0);
  return { repo, kube, bare };
}

function runsOf(r: AgentRepo): RunJson[] {
  return r.runs();
}

async function ended(r: AgentRepo): Promise<RunJson> {
  return until(
    'the run to end',
    () => {
      const run = runsOf(r).at(-1);
      return run && !['starting', 'running'].includes(run.status) ? run : undefined;
    },
    60_000,
  );
}

describe.skipIf(withoutAgents)('lanes on a Kubernetes runner (fake API server)', () => {
  it('runs Claude Code in a Job; the commit comes back into the lane; logs show the transcript', async () => {
    const { repo, kube, bare } = await setup({ phaseRunner: false });
    // The agent runs in the image: this machine's PATH need not have its CLI.
    const start = await repo.run(['start', 'issue-1', '--runner', 'k8s'], {
      env: { PATH: repo.env.PATH! },
    });
    expect(start.code, start.stderr).toBe(0);
    // lanes logs -f follows the pod's log (through the supervisor) to the run's end.
    const follow = await repo.run(['logs', 'issue-1', '-f']);
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.stdout).toContain('→ Write');
    expect(follow.stdout).toMatch(/# done\s*$/);
    const run = await ended(repo);
    expect(run, readFileSync(join(repo.runs()[0]!.runDir, 'stderr.log'), 'utf8')).toMatchObject({
      status: 'done',
      runner: 'k8s',
    });
    expect(kube.problems).toEqual([]);
    // The commit was made in the "pod", pushed to the remote and fast-forwarded into the lane.
    expect(repo.git('log', '--format=%s', 'main..issue-1')).toBe('Add issue-1.txt');
    expect(
      execFileSync('git', ['--git-dir', bare, 'log', '--format=%s', '-1', 'issue-1'], { encoding: 'utf8' }).trim(),
    ).toBe('Add issue-1.txt');
    const worktree = repo
      .git('worktree', 'list', '--porcelain')
      .split('\n')
      .filter((l) => l.startsWith('worktree '))
      .map((l) => l.slice(9))
      .find((p) => p.endsWith('issue-1'))!;
    expect(readFileSync(join(worktree, 'issue-1.txt'), 'utf8')).toBe('written by the scripted model\n');

    const logs = await repo.run(['logs', 'issue-1']);
    expect(logs.stdout).toContain('→ Write');
    expect(logs.stdout).toContain('Committed the work.');

    // The Job as sent: labels, image, the Secret as envFrom, the deadline, no key in plain env.
    const [job] = [...kube.created.values()];
    expect(job!.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'lanes',
      'lanes.dev/lane': 'issue-1',
      'lanes.dev/run': String(run.id),
      'lanes.dev/phase': 'implement',
    });
    const container = job!.spec.template.spec.containers[0];
    expect(container.image).toBe(IMAGE);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'agent-keys' } }]);
    expect(container.resources).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect(job!.spec.activeDeadlineSeconds).toBe(60 * 60);
    expect(job!.spec.backoffLimit).toBe(0);
    const names = (container.env as { name: string }[]).map((e) => e.name);
    expect(names).toContain('ANTHROPIC_BASE_URL');
    expect(names).not.toContain('ANTHROPIC_API_KEY');
    expect(JSON.stringify(job)).not.toContain('lanes-offline-key');
    // The prompt travels in the ConfigMap, not in the command.
    const [map] = [...kube.configMapsCreated.values()];
    expect(map!.data.prompt).toContain('Make lane 1 write its file.');
    expect(JSON.stringify(container.command)).not.toContain('Make lane 1 write its file.');
    // Lanes cleaned up after itself.
    expect(kube.jobNames()).toEqual([]);
    expect(readFileSync(join(repo.runs()[0]!.runDir, 'stderr.log'), 'utf8')).toMatch(
      /fast-forwarded issue-1 to [0-9a-f]{40}/,
    );

    // `lanes runner manifest` prints the objects lanes creates (the run-specific parts aside).
    const manifest = await repo.run(['runner', 'manifest', 'k8s', 'issue-1']);
    expect(manifest.code, manifest.stderr).toBe(0);
    const docs = parseAllDocuments(manifest.stdout).map((d) => d.toJS() as Json);
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Job']);
    const [printedMap, printedJob] = docs as [Json, Json];
    // Names and the run label carry the run's number (0 in a manifest); the script names the start commit.
    const normal = (o: Json) => {
      const copy = JSON.parse(
        JSON.stringify(o).replaceAll(String(o.metadata.name).replace(/-input$/, ''), 'NAME'),
      ) as Json;
      delete copy.metadata.labels['lanes.dev/run'];
      if (copy.spec) {
        delete copy.spec.template.metadata.labels['lanes.dev/run'];
        delete copy.spec.template.spec.containers[0].command;
      }
      return copy;
    };
    expect(normal(printedJob)).toEqual(normal(job!));
    expect(normal(printedMap)).toEqual(normal(map!));
    expect((printedJob.spec.template.spec.containers[0].command as string[]).slice(0, 2)).toEqual(['/bin/sh', '-c']);
  });

  it('lanes runner manifest names what it accepts when the runner or lane is unknown', async () => {
    const { repo, kube } = await setup();
    const unknown = await repo.run(['runner', 'manifest', 'k9s', 'issue-1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/runner "k9s" is not configured.*\(configured: k8s\)/);
    const noLane = await repo.run(['runner', 'manifest', 'k8s', 'issue-9']);
    expect(noLane.code).toBe(2);
    expect(noLane.stderr).toMatch(/unknown lane "issue-9"; existing lanes: issue-1/);
    // Printing a manifest contacts no cluster.
    expect(kube.requests).toEqual([]);
  });

  it('lanes stop deletes the Job with foreground propagation; the lane resumes', async () => {
    const { repo, kube } = await setup({ delayMs: 20_000 });
    expect((await repo.run(['start', 'issue-1'])).code).toBe(0);
    await until(
      'the Job to run',
      () => kube.jobNames().length === 1 && kube.requests.some((r) => r.path.endsWith('/log')),
    );
    const [name] = kube.jobNames();
    // lanes ls shows the Job's and pod's phase, as the supervisor last saw it (no cluster call).
    const ls = await repo.run(['ls', '--json']);
    const [lane] = JSON.parse(ls.stdout) as { agent: { remote: unknown } }[];
    expect(lane!.agent.remote).toEqual({
      runner: 'k8s',
      handle: `job/${name} in namespace agents`,
      phase: 'Job active, pod Running',
    });
    expect((await repo.run(['ls'])).stdout).toMatch(/claude:running \d+s k8s: Job active, pod Running/);
    const stop = await repo.run(['stop', 'issue-1']);
    expect(stop.code, stop.stderr).toBe(0);
    const run = await ended(repo);
    expect(run).toMatchObject({ status: 'stopped', reason: 'stopped; lanes start resumes the lane' });
    expect(kube.deletions).toContainEqual({ name, propagationPolicy: 'Foreground' });
    expect(kube.jobNames()).toEqual([]);
    expect(kube.problems).toEqual([]);
    await resumes(repo, 'stopped');
  });

  it('a run past its timeout is ended by activeDeadlineSeconds and recorded as timed out', async () => {
    const { repo, kube } = await setup({ delayMs: 20_000, timeoutMinutes: 0.05 });
    expect((await repo.run(['start', 'issue-1'])).code).toBe(0);
    const run = await ended(repo);
    expect([...kube.created.values()][0]!.spec.activeDeadlineSeconds).toBe(3);
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(/^timed out after 3 s/);
    expect(kube.jobNames()).toEqual([]);
  });

  it('an image the cluster cannot pull fails fast with one clear line; the lane resumes', async () => {
    const { repo, kube } = await setup({ image: 'registry.example/missing:0' });
    expect((await repo.run(['start', 'issue-1'])).code).toBe(0);
    const run = await ended(repo);
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(
      /runner k8s: the cluster cannot pull image registry\.example\/missing:0 \((ErrImagePull|ImagePullBackOff): .*\): fix runners\.k8s\.image/,
    );
    expect(kube.jobNames()).toEqual([]);
    await resumes(repo);
  });

  it("an evicted pod and a Job deleted behind lanes' back each end the run with a clear line", async () => {
    const { repo, kube } = await setup({ delayMs: 20_000 });
    expect((await repo.run(['start', 'issue-1'])).code).toBe(0);
    const running = async () =>
      until('the Job to run', () =>
        kube.requests.some((r) => r.path.endsWith('/log')) ? kube.jobNames()[0] : undefined,
      );
    kube.evict(await running());
    let run = await ended(repo);
    expect(run.reason).toMatch(
      /runner k8s: pod .* was evicted \(The node was low on resource: memory\.\); .*lanes start issue-1 resumes the lane/,
    );

    const before = kube.requests.length;
    expect((await repo.run(['start', 'issue-1'])).code).toBe(0);
    await until('the second Job to run', () =>
      kube.requests.slice(before).some((r) => r.path.endsWith('/log')) ? true : undefined,
    );
    kube.deleteBehindBack(kube.jobNames()[0]!);
    run = await ended(repo);
    expect(run.reason).toMatch(
      /runner k8s: Job lanes-.* was deleted outside lanes .*lanes start issue-1 resumes the lane/,
    );
  });

  it.each([
    [
      401,
      /refused lanes' credentials \(401 Unauthorized\) to read Secret agent-keys in namespace agents: renew the login/,
    ],
    [
      403,
      /forbidden \(403\) to create Job lanes-.* in namespace agents: injected 403 .*: the user of kubeconfig context fake needs create/,
    ],
    [409, /conflict \(409\) trying to create Job lanes-.*: an object of that name already exists; lanes doctor --fix/],
    [429, /kept answering 429 Too Many Requests to create Job .* \(4 tries\)/],
    [500, /failed \(500\) to create Job .* after 4 tries: injected 500/],
  ])('API answer %i: one clear line, a spawn failure, the lane resumable', async (code, message) => {
    const { repo, kube } = await setup();
    kube.fail(
      code === 401
        ? { status: 401, method: 'GET', path: /secrets/ }
        : { status: code, method: 'POST', path: /jobs$/, times: 10 },
    );
    expect((await repo.run(['start', 'issue-1'])).code).toBe(0);
    const run = await ended(repo);
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(/^runner k8s: /);
    expect(run.reason).toMatch(message);
    expect(run.reason).toMatch(/lanes start issue-1 resumes the lane$/);
    expect(kube.jobNames()).toEqual([]);
    // 429 and 500 were retried, a bounded number of times; the others not at all.
    const posts = kube.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/jobs')).length;
    expect(posts).toBe(code === 429 || code === 500 ? 4 : code === 401 ? 0 : 1);
    await resumes(repo);
  });

  it('a 429 that clears within the retries, or a Secret lanes may not read, does not fail the run', async () => {
    const { repo, kube } = await setup();
    kube.fail({ status: 429, method: 'POST', path: /jobs$/, times: 2 });
    // A user who may not read Secrets: the check is skipped, the run goes on.
    kube.fail({ status: 403, method: 'GET', path: /secrets/ });
    expect((await repo.run(['start', 'issue-1'])).code).toBe(0);
    expect((await ended(repo)).status).toBe('done');
    expect(readFileSync(join(repo.runs()[0]!.runDir, 'stderr.log'), 'utf8')).toContain(
      'not allowed to read Secret agent-keys in namespace agents (403): not checked',
    );
    expect(repo.git('log', '--format=%s', 'main..issue-1')).toBe('Add issue-1.txt');
  });

  it('lanes doctor lists Jobs of this repository whose run is over; --fix deletes them', async () => {
    const { repo, kube } = await setup({ delayMs: 20_000 });
    expect((await repo.run(['start', 'issue-1'])).code).toBe(0);
    await until('the Job to run', () => kube.jobNames()[0]);
    // A running run's Job is no orphan.
    let doctor = await repo.run(['doctor', '--json']);
    expect(JSON.stringify(JSON.parse(doctor.stdout))).not.toContain('remote-leftover');
    // The supervisor dies without cleaning up (kill -9): its Job is left behind.
    const run = repo.runs()[0]!;
    process.kill(run.supervisorPid!, 'SIGKILL');
    // A ConfigMap of this clone whose Job never came (lanes stopped between the two), and one of another clone.
    const labels = (repo: string) => ({
      'app.kubernetes.io/managed-by': 'lanes',
      'lanes.dev/repo': repo,
      'lanes.dev/lane': 'issue-1',
      'lanes.dev/run': '99',
    });
    const ours = kube.created.values().next().value!.metadata.labels['lanes.dev/repo'] as string;
    kube.addConfigMap('agents', { metadata: { name: 'lanes-x-issue-1-99-input', labels: labels(ours) }, data: {} });
    kube.addConfigMap('agents', {
      metadata: { name: 'lanes-y-issue-1-1-input', labels: labels('someone-else') },
      data: {},
    });
    await until('the run to be seen as dead', async () => {
      const ls = await repo.run(['ls', '--json']);
      return /"agentState":\s*"(failed|stopped|none)"/.test(ls.stdout) || !ls.stdout.includes('"running"')
        ? true
        : undefined;
    });
    doctor = await repo.run(['doctor', '--json']);
    const found = (JSON.parse(doctor.stdout) as { problems: { kind: string; detail: string; fixed: boolean }[] })
      .problems;
    expect(found).toContainEqual(
      expect.objectContaining({
        kind: 'remote-leftover',
        fixed: false,
        detail: expect.stringMatching(/^runner k8s: Job lanes-.* in namespace agents/),
      }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({
        kind: 'remote-leftover',
        detail:
          'runner k8s: ConfigMap lanes-x-issue-1-99-input in namespace agents (its Job is gone): run 99 of lane issue-1 is not recorded',
      }),
    );
    expect(JSON.stringify(found)).not.toContain('lanes-y-');
    const fixed = await repo.run(['doctor', '--fix', '--json']);
    expect(fixed.stdout).toMatch(/"remote-leftover"/);
    // Foreground deletion: the Job goes once its pod has stopped.
    await until('the Job to go', () => kube.jobNames().length === 0);
    // Another clone's objects are not this clone's to delete.
    expect(kube.configMapNames()).toEqual(['lanes-y-issue-1-1-input']);
    const again = await repo.run(['doctor', '--json']);
    expect(again.stdout).not.toMatch(/remote-leftover/);
    expect(kube.deletions.at(-1)).toMatchObject({ propagationPolicy: 'Foreground' });
  });
});

/** After a failure or a stop, `lanes start` takes the lane up again (a new run), then it is stopped. */
async function resumes(r: AgentRepo, was = 'failed'): Promise<void> {
  const runs = r.runs();
  expect(runs.at(-1)!.status).toBe(was);
  const again = await r.run(['start', 'issue-1']);
  expect(again.code, again.stderr).toBe(0);
  expect(r.runs().length).toBe(runs.length + 1);
  await r.run(['stop', 'issue-1']);
  await ended(r);
}
