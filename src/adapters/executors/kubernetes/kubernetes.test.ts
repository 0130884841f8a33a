// The Kubernetes runner's pure parts (names, the Job plan, the container script, status mapping,
// error lines) and the two parts that touch git, run for real: the script against a local bare
// remote, and bringing a Job's commits back without ever overwriting local ones.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentLaunch } from '../../../contracts/agent-adapter.js';
import { KubernetesRunnerSchema } from '../../../infra/config-schema.js';
import { describe as describeError } from './api.js';
import { bringBack, catchUp } from './git-sync.js';
import { planJob, withoutCredentials, type JobPlanInput } from './manifest.js';
import { holdsSecret, jobName, labelValue, repoLabel } from './names.js';
import { jobScript, remoteWord, shellQuote } from './script.js';
import { jobState } from './status.js';

const launch: AgentLaunch = {
  file: 'claude',
  args: ['-p', '--settings', '/runs/issue-1/7-implement/settings.json', "it's"],
  cwd: '/w/issue-1',
  env: {
    ANTHROPIC_API_KEY: 'sk-local',
    ANTHROPIC_BASE_URL: 'http://model',
    CLAUDE_CODE_OAUTH_TOKEN: 'tok',
    HOME: '/home/me/agent-home',
    CODEX_HOME: '/runs/issue-1/7-implement/codex',
    DISABLE_AUTOUPDATER: '1',
  },
  stdin: { file: '/runs/issue-1/7-implement/prompt.md' },
  files: [{ path: '/runs/issue-1/7-implement/settings.json', content: '{"a":1}' }],
};

function input(over: Partial<JobPlanInput> = {}): JobPlanInput {
  return {
    settings: KubernetesRunnerSchema.parse({
      type: 'kubernetes',
      namespace: 'agents',
      image: 'img:1',
      secretName: 'keys',
      resources: { cpu: '2', memory: '2Gi' },
    }),
    repo: repoLabel('/repo/.git'),
    runId: 7,
    lane: 'issue-1',
    phase: 'implement',
    branch: 'issue-1',
    worktree: '/w/issue-1',
    runDir: '/runs/issue-1/7-implement',
    launch,
    timeoutMs: 90_000,
    start: 'a'.repeat(40),
    url: 'https://git.example/repo.git',
    prompt: 'Do the thing.',
    identity: { name: 'Ada', email: 'ada@example.com' },
    ...over,
  };
}

describe('names and labels', () => {
  it('makes DNS-1123 Job names of at most 63 characters, unique per clone and run', () => {
    const name = jobName(repoLabel('/r/.git'), 'Fix_The.Login-Page-With-A-Very-Long-Name-That-Goes-On-And-On', 123);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.endsWith('-123')).toBe(true);
    expect(jobName(repoLabel('/a/.git'), 'x', 1)).not.toBe(jobName(repoLabel('/b/.git'), 'x', 1));
    expect(labelValue('-lane/with spaces-')).toBe('lane-with-spaces');
  });

  it('treats credential-like variables as secrets', () => {
    for (const name of [
      'ANTHROPIC_API_KEY',
      'GH_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'PGPASSWORD',
      'GIT_CREDENTIALS',
      'AWS_ACCESS_KEY_ID',
    ])
      expect(holdsSecret(name), name).toBe(true);
    for (const name of ['ANTHROPIC_BASE_URL', 'DISABLE_AUTOUPDATER', 'IS_SANDBOX', 'CLAUDE_CODE_MAX_RETRIES'])
      expect(holdsSecret(name), name).toBe(false);
  });

  it('removes credentials from a remote URL, keeping an ssh user', () => {
    expect(withoutCredentials('https://me:tok@git.example/r.git')).toBe('https://git.example/r.git');
    expect(withoutCredentials('ssh://git@git.example/r.git')).toBe('ssh://git@git.example/r.git');
    expect(withoutCredentials('git@git.example:r.git')).toBe('git@git.example:r.git');
    expect(withoutCredentials('/srv/r.git')).toBe('/srv/r.git');
  });
});

describe('the Job plan', () => {
  it('sends no secret in plain env, takes the Secret as envFrom, the timeout as the deadline', () => {
    const { job, configMap, withheld } = planJob(input());
    const spec = job.spec!;
    const container = spec.template.spec!.containers[0]!;
    expect(withheld).toEqual(['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN']);
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toEqual({
      ANTHROPIC_BASE_URL: 'http://model',
      DISABLE_AUTOUPDATER: '1',
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
      LANES_INPUT: '/var/run/lanes',
    });
    expect(JSON.stringify(job)).not.toMatch(/sk-local|tok"|agent-home/);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'keys' } }]);
    expect(spec.activeDeadlineSeconds).toBe(90);
    expect(spec.backoffLimit).toBe(0);
    expect(container.resources).toEqual({ requests: { cpu: '2', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } });
    expect(spec.template.spec!.automountServiceAccountToken).toBe(false);
    expect(job.metadata!.labels).toEqual({
      'app.kubernetes.io/managed-by': 'lanes',
      'lanes.dev/repo': repoLabel('/repo/.git'),
      'lanes.dev/lane': 'issue-1',
      'lanes.dev/run': '7',
      'lanes.dev/phase': 'implement',
    });
    // The prompt and the generated files travel in the mounted ConfigMap, not in the command.
    expect(configMap.data).toEqual({ prompt: 'Do the thing.', 'file-0': '{"a":1}' });
    expect(JSON.stringify(container.command)).not.toContain('Do the thing.');
    expect(spec.template.spec!.volumes).toEqual([
      { name: 'lanes-input', configMap: { name: configMap.metadata!.name } },
    ]);
  });

  it('names a service account when one is configured', () => {
    const settings = KubernetesRunnerSchema.parse({ type: 'kubernetes', image: 'i', serviceAccount: 'agents' });
    const spec = planJob(input({ settings })).job.spec!.template.spec!;
    expect(spec.serviceAccountName).toBe('agents');
    expect(spec.automountServiceAccountToken).toBeUndefined();
    expect(spec.containers[0]!.envFrom).toBeUndefined();
  });
});

describe('the container script', () => {
  it('maps the local worktree and run folder, quoting everything else', () => {
    const paths = { worktree: '/w/issue-1', runDir: '/runs/r' };
    expect(remoteWord('/w/issue-1/src', paths)).toBe(`"$W"'/src'`);
    expect(remoteWord('--config=/runs/r/c.json', paths)).toBe(`'--config='"$RUN"'/c.json'`);
    expect(remoteWord('/w/issue-10', paths)).toBe(`'/w/issue-10'`);
    expect(remoteWord('$(rm -rf /)', paths)).toBe(`'$(rm -rf /)'`);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('clones at the start commit, runs the program with the prompt as stdin, pushes with a lease', () => {
    const script = planJob(input()).job.spec!.template.spec!.containers[0]!.command![2]!;
    expect(script).toContain(`git clone -q --branch "$BRANCH" --single-branch -- "$URL" "$W"`);
    expect(script).toContain(`START='${'a'.repeat(40)}'`);
    expect(script).toContain(`'claude' '-p' '--settings' "$RUN"'/settings.json' 'it'\\''s' < "$IN/prompt"`);
    expect(script).toContain(`export CODEX_HOME="$RUN"'/codex'`);
    expect(script).toContain('--force-with-lease="refs/heads/$BRANCH:$START"');
    expect(script).not.toMatch(/push[^\n]*(--force |-f )/);
  });
});

describe('status mapping', () => {
  const pod = (status: object, name = 'p1') => ({ metadata: { name, creationTimestamp: new Date() }, status });
  it('reads image pull errors, eviction, deadline, success and a failed exit', () => {
    expect(
      jobState({}, [
        pod({
          containerStatuses: [
            {
              name: 'agent',
              image: 'i',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'ImagePullBackOff', message: 'nope' } },
            },
          ],
        }),
      ]),
    ).toEqual({ kind: 'image-pull', reason: 'ImagePullBackOff', message: 'nope' });
    expect(jobState({}, [pod({ phase: 'Failed', reason: 'Evicted', message: 'low memory' })])).toMatchObject({
      kind: 'evicted',
      message: 'low memory',
    });
    expect(
      jobState({ status: { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }] } }, []),
    ).toMatchObject({ kind: 'deadline' });
    expect(jobState({ status: { conditions: [{ type: 'Complete', status: 'True' }] } }, [])).toMatchObject({
      kind: 'succeeded',
    });
    expect(
      jobState({ status: { failed: 1 } }, [
        pod({
          containerStatuses: [
            {
              name: 'agent',
              image: 'i',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 3 } },
            },
          ],
        }),
      ]),
    ).toMatchObject({ kind: 'failed', exitCode: 3 });
    expect(jobState({}, [pod({ phase: 'Pending' })])).toEqual({ kind: 'pending' });
  });
});

describe('API failures', () => {
  const where = { server: 'https://k8s', context: 'prod', attempts: 4 };
  it('says one line per status, with what to do', () => {
    const line = (code: number) =>
      describeError({ code, body: JSON.stringify({ message: 'm' }) }, 'create Job j', where);
    expect(line(401)).toMatch(/^the cluster at https:\/\/k8s refused lanes' credentials \(401 Unauthorized\)/);
    expect(line(403)).toMatch(/^forbidden \(403\) to create Job j: m: .*kubectl auth can-i/);
    expect(line(409)).toMatch(/^conflict \(409\).*lanes doctor --fix/);
    expect(line(429)).toMatch(/429 Too Many Requests .*\(4 tries\)/);
    expect(line(500)).toMatch(/failed \(500\) to create Job j after 4 tries: m/);
    expect(describeError(new Error('connect ECONNREFUSED'), 'list pods', where)).toBe(
      'cannot reach the cluster at https://k8s to list pods: connect ECONNREFUSED',
    );
    for (const code of [401, 403, 409, 429, 500]) expect(line(code)).not.toContain('\n');
  });
});

describe('with real git', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@t',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@t',
  };
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
  function repos() {
    dir = mkdtempSync(join(tmpdir(), 'lanes-k8s-unit-'));
    const bare = join(dir, 'remote.git');
    const work = join(dir, 'issue-1');
    git(dir, 'init', '-q', '--bare', bare);
    git(dir, 'init', '-q', '-b', 'issue-1', work);
    writeFileSync(join(work, 'a.txt'), 'a\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'start');
    git(work, 'remote', 'add', 'origin', bare);
    git(work, 'push', '-q', 'origin', 'issue-1');
    return { bare, work, start: git(work, 'rev-parse', 'HEAD') };
  }
  function script(bare: string, work: string, start: string, program: string[]): string {
    return jobScript({
      url: bare,
      branch: 'issue-1',
      start,
      dirName: 'issue-1',
      worktree: work,
      runDir: '/nowhere',
      program: program[0]!,
      args: program.slice(1),
      cwd: work,
      promptStdin: true,
      files: [],
      exports: [],
    });
  }

  it('the script commits in its clone and pushes back; on SIGTERM it stops the agent and still pushes', async () => {
    const { bare, work, start } = repos();
    const input = join(dir!, 'input');
    mkdirSync(input);
    writeFileSync(join(input, 'prompt'), 'hello\n');
    const agent = [
      'sh',
      '-c',
      'echo oops >&2 && cat > got.txt && git add -A && git commit -q -m agent && echo committed && exec sleep 30',
    ];
    const child = spawn('sh', ['-c', script(bare, work, start, agent)], {
      env: { ...env, LANES_INPUT: input, TMPDIR: dir! },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    for (let i = 0; i < 100 && !out.includes('committed'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toBe('committed\n');
    expect(err).not.toContain('mkfifo');
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, err).toBe(143);
    expect(err).toMatch(/^##lanes pushed [0-9a-f]{40}$/m);
    // The agent's stderr is marked for stderr.log; its stdout stays the agent's alone.
    expect(err).toMatch(/^##lanes-stderr oops$/m);
    expect(git(bare, 'log', '--format=%s', '-1', 'issue-1')).toBe('agent');
    expect(git(bare, 'show', 'issue-1:got.txt')).toBe('hello');
  });

  it('the push back never overwrites commits someone else pushed meanwhile', () => {
    const { bare, work, start } = repos();
    // Someone pushes to the branch after the Job started.
    writeFileSync(join(work, 'b.txt'), 'b\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'someone else');
    git(work, 'push', '-q', 'origin', 'issue-1');
    const input = join(dir!, 'input');
    mkdirSync(input);
    writeFileSync(join(input, 'prompt'), 'x\n');
    const agent = ['sh', '-c', 'echo x > c.txt && git add -A && git commit -q -m agent'];
    let failed: { status: number; stderr: string } | undefined;
    try {
      execFileSync('sh', ['-c', script(bare, work, start, agent)], {
        env: { ...env, LANES_INPUT: input, TMPDIR: dir! },
        stdio: 'pipe',
      });
    } catch (e) {
      failed = { status: (e as { status: number }).status, stderr: String((e as { stderr: Buffer }).stderr) };
    }
    expect(failed?.status).toBe(92);
    expect(failed?.stderr).not.toContain('mkfifo');
    expect(failed?.stderr).toMatch(/##lanes push failed: +! \[rejected\] .*\(stale info\)/);
    expect(git(bare, 'log', '--format=%s', '-1', 'issue-1')).toBe('someone else');
  });

  it('fast-forwards the lane, or keeps both when the lane moved locally', async () => {
    const { bare, work, start } = repos();
    const other = join(dir!, 'job-clone');
    git(dir!, 'clone', '-q', '-b', 'issue-1', bare, other);
    writeFileSync(join(other, 'job.txt'), 'job\n');
    git(other, 'add', '-A');
    git(other, 'commit', '-q', '-m', 'job');
    git(other, 'push', '-q', 'origin', 'issue-1');
    const jobCommit = git(other, 'rev-parse', 'HEAD');

    // The lane moved locally meanwhile: its commit stays, the Job's goes to a branch of its own.
    writeFileSync(join(work, 'local.txt'), 'local\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'local');
    const local = git(work, 'rev-parse', 'HEAD');
    const kept = await bringBack({ worktree: work, remote: 'origin', branch: 'issue-1', start, runId: 5 });
    expect(kept).toEqual({ keptAside: true, note: expect.stringMatching(/moved locally .*branch issue-1-run5/) });
    expect(git(work, 'rev-parse', 'issue-1')).toBe(local);
    expect(git(work, 'rev-parse', 'issue-1-run5')).toBe(jobCommit);

    // Not moved: fast-forwarded in the worktree, a local uncommitted change carried along.
    git(work, 'reset', '-q', '--hard', start);
    writeFileSync(join(work, 'a.txt'), 'edited\n');
    const ff = await bringBack({ worktree: work, remote: 'origin', branch: 'issue-1', start, runId: 6 });
    expect(ff).toEqual({ keptAside: false, note: `fast-forwarded issue-1 to ${jobCommit}` });
    expect(git(work, 'rev-parse', 'HEAD')).toBe(jobCommit);
    expect(git(work, 'status', '--porcelain')).toBe('M a.txt');
    expect(git(work, 'for-each-ref', 'refs/lanes')).toBe('');
  });

  it('before a run, takes commits an earlier Job pushed late; leaves a diverged remote to the push', async () => {
    const { bare, work, start } = repos();
    const args = { worktree: work, remote: 'origin', branch: 'issue-1', runId: 9 };
    expect(await catchUp(args)).toBeUndefined();
    const other = join(dir!, 'late-job');
    git(dir!, 'clone', '-q', '-b', 'issue-1', bare, other);
    writeFileSync(join(other, 'late.txt'), 'late\n');
    git(other, 'add', '-A');
    git(other, 'commit', '-q', '-m', 'late');
    git(other, 'push', '-q', 'origin', 'issue-1');
    const late = git(other, 'rev-parse', 'HEAD');
    expect(await catchUp(args)).toEqual({ keptAside: false, note: `fast-forwarded issue-1 to ${late}` });
    expect(git(work, 'rev-parse', 'HEAD')).toBe(late);

    // Diverged: the lane has its own commit; nothing is taken or moved.
    git(other, 'reset', '-q', '--hard', start);
    writeFileSync(join(other, 'x.txt'), 'x\n');
    git(other, 'add', '-A');
    git(other, 'commit', '-q', '-m', 'x');
    git(other, 'push', '-q', '--force', 'origin', 'issue-1');
    expect(await catchUp(args)).toBeUndefined();
    expect(git(work, 'rev-parse', 'HEAD')).toBe(late);
  });
});
