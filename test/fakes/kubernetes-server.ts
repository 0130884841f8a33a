/**
 * A fake Kubernetes API server (node:http) speaking the documented REST wire format that
 * `@kubernetes/client-node` uses: Jobs (batch/v1), pods by label selector, a pod's log (follow=true
 * streams until the container ends), ConfigMaps and Secrets, bearer-token auth and Status objects for
 * errors. It checks each Job it is sent (labels, image, env from the Secret, deadline, backoffLimit,
 * no secret in plain env) and answers 422 with the problem, recorded in `problems`.
 *
 * It is also the "kubelet": a Job whose image it knows runs its container command as a local
 * process (the image's env, the container's env, the Secret's data as env; the ConfigMap volume
 * written to a folder that stands in for the mount path), so the real agent CLI commits and pushes
 * for real. Faults: an unknown image (ErrImagePull), eviction, a Job deleted behind lanes' back,
 * any status on the next requests (401/403/409/429/500), a deadline (activeDeadlineSeconds).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface FakeKubeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Json | undefined;
}

export interface ApiFault {
  status: number;
  /** How many matching requests get it (default 1). */
  times?: number;
  /** Only requests whose method and path match. */
  method?: string;
  path?: RegExp;
}

export interface FakeKubeOptions {
  token?: string;
  namespace?: string;
  /** Secrets by name: their data (plain; served base64 as the API does). */
  secrets?: Record<string, Record<string, string>>;
  /** Images the "nodes" can pull, with the environment each provides (PATH …); any other fails to pull. */
  images: Record<string, Record<string, string>>;
  /** Seconds between SIGTERM and SIGKILL of a container being stopped. */
  gracePeriodSeconds?: number;
}

interface FakeJob {
  job: Json;
  pod: Json;
  configMapDir?: string;
  child?: ChildProcess;
  log: string[];
  partial: { out: string; err: string };
  listeners: Set<(line: string | null) => void>;
  ended: boolean;
  deadline?: NodeJS.Timeout;
}

export interface FakeKube {
  url: string;
  token: string;
  requests: FakeKubeRequest[];
  /** What the checks found wrong in Jobs lanes sent (should stay empty). */
  problems: string[];
  /** Jobs as created (spec as sent), by name, including deleted ones. */
  created: Map<string, Json>;
  configMapsCreated: Map<string, Json>;
  /** Jobs that exist now. */
  jobNames(): string[];
  /** Deletions by name and propagation policy. */
  deletions: { name: string; propagationPolicy: string | undefined }[];
  fail(fault: ApiFault): void;
  evict(jobName: string): void;
  deleteBehindBack(jobName: string): void;
  /** A ConfigMap put there by someone else (or a lanes that stopped between its ConfigMap and its Job). */
  addConfigMap(namespace: string, map: Json): void;
  configMapNames(): string[];
  writeKubeconfig(file: string, opts?: { context?: string }): void;
  close(): Promise<void>;
}

export async function startFakeKube(opts: FakeKubeOptions): Promise<FakeKube> {
  const token = opts.token ?? 'fake-token-123';
  const grace = (opts.gracePeriodSeconds ?? 10) * 1000;
  const requests: FakeKubeRequest[] = [];
  const problems: string[] = [];
  const created = new Map<string, Json>();
  const configMapsCreated = new Map<string, Json>();
  const jobs = new Map<string, FakeJob>();
  const configMaps = new Map<string, Json>();
  const faults: ApiFault[] = [];
  const deletions: FakeKube['deletions'] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'fake-kube-'));
  let podSeq = 0;
  const key = (ns: string, name: string) => `${ns}/${name}`;

  const status = (code: number, reason: string, message: string) => ({
    status: code,
    body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code },
  });

  function checkJob(job: Json): string[] {
    const found: string[] = [];
    const labels = job.metadata?.labels ?? {};
    for (const label of [
      'app.kubernetes.io/managed-by',
      'lanes.dev/repo',
      'lanes.dev/lane',
      'lanes.dev/run',
      'lanes.dev/phase',
    ])
      if (!labels[label]) found.push(`label ${label} missing`);
    const spec = job.spec ?? {};
    if (!(spec.activeDeadlineSeconds > 0)) found.push('activeDeadlineSeconds missing');
    if (spec.backoffLimit !== 0) found.push('backoffLimit is not 0');
    const container = spec.template?.spec?.containers?.[0];
    if (!container?.image) found.push('no image');
    if (spec.template?.spec?.restartPolicy !== 'Never') found.push('restartPolicy is not Never');
    const secretValues = Object.values(opts.secrets ?? {}).flatMap((d) => Object.values(d));
    for (const env of container?.env ?? []) {
      if (/(KEY|TOKEN|SECRET|PASSWORD)$/i.test(env.name)) found.push(`plain env ${env.name} looks like a secret`);
      if (secretValues.some((v) => v.length > 3 && String(env.value ?? '').includes(v)))
        found.push(`plain env ${env.name} holds a Secret's value`);
    }
    const command = JSON.stringify(container?.command ?? []) + JSON.stringify(container?.args ?? []);
    for (const v of secretValues)
      if (v.length > 3 && command.includes(v)) found.push("a Secret's value is in the command");
    for (const from of container?.envFrom ?? [])
      if (from.secretRef && !(opts.secrets ?? {})[from.secretRef.name])
        found.push(`envFrom names Secret ${from.secretRef.name}, which does not exist`);
    return found;
  }

  function pushLine(j: FakeJob, line: string | null) {
    if (line !== null) j.log.push(line);
    for (const l of j.listeners) l(line);
  }

  function collect(j: FakeJob, stream: 'out' | 'err', chunk: Buffer) {
    // Like the container runtime: whole lines, each stream on its own.
    const text = j.partial[stream] + chunk.toString('utf8');
    const lines = text.split('\n');
    j.partial[stream] = lines.pop()!;
    for (const line of lines) pushLine(j, line);
  }

  function finish(j: FakeJob, exitCode: number, extra: { reason?: string; message?: string } = {}) {
    if (j.ended) return;
    for (const s of ['out', 'err'] as const) if (j.partial[s]) pushLine(j, j.partial[s]);
    j.ended = true;
    if (j.deadline) clearTimeout(j.deadline);
    const now = new Date().toISOString();
    j.pod.status.containerStatuses[0].state = {
      terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: now },
    };
    if (extra.reason === 'Evicted') {
      j.pod.status = { ...j.pod.status, phase: 'Failed', reason: 'Evicted', message: extra.message };
    } else {
      j.pod.status.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
    }
    const s = j.job.status;
    if (extra.reason === 'DeadlineExceeded') {
      s.failed = 1;
      s.conditions = [
        {
          type: 'Failed',
          status: 'True',
          reason: 'DeadlineExceeded',
          message: 'Job was active longer than specified deadline',
        },
      ];
    } else if (exitCode === 0 && !extra.reason) {
      s.succeeded = 1;
      s.conditions = [{ type: 'Complete', status: 'True' }];
    } else {
      s.failed = 1;
      s.conditions = [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
      ];
    }
    delete s.active;
    pushLine(j, null);
  }

  function stopContainer(j: FakeJob, why?: { reason: string; message?: string }): Promise<void> {
    return new Promise((resolve) => {
      const child = j.child;
      if (!child || j.ended || child.exitCode !== null) {
        if (!j.ended) finish(j, 137, why);
        return resolve();
      }
      const killer = setTimeout(() => kill(child, 'SIGKILL'), grace);
      child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      if (why) (j as { stopReason?: typeof why }).stopReason = why;
      // Like the kubelet: SIGTERM to the container's first process, SIGKILL after the grace period.
      try {
        child.kill('SIGTERM');
      } catch {
        resolve();
      }
    });
  }

  function run(j: FakeJob) {
    const spec = j.job.spec.template.spec;
    const container = spec.containers[0];
    const imageEnv = opts.images[container.image];
    const cs = { name: container.name, image: container.image, ready: false, restartCount: 0, state: {} as Json };
    j.pod.status = { phase: 'Pending', containerStatuses: [cs] };
    if (!imageEnv) {
      cs.state = {
        waiting: {
          reason: 'ErrImagePull',
          message: `rpc error: code = NotFound desc = failed to pull and unpack image "${container.image}": not found`,
        },
      };
      setTimeout(() => {
        if (!j.ended)
          cs.state = {
            waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${container.image}"` },
          };
      }, 300);
      return;
    }
    // The ConfigMap volume: its data as files in a folder standing in for the mount path.
    const mounts = new Map<string, string>();
    for (const mount of container.volumeMounts ?? []) {
      const volume = ((spec.volumes ?? []) as Json[]).find((v) => v.name === mount.name);
      const map = volume?.configMap ? configMaps.get(key(j.job.metadata.namespace, volume.configMap.name)) : undefined;
      if (volume?.configMap && !map) {
        cs.state = {
          waiting: { reason: 'CreateContainerConfigError', message: `configmap "${volume.configMap.name}" not found` },
        };
        return;
      }
      const dir = join(scratch, `${j.job.metadata.name}-${mount.name}`);
      mkdirSync(dir, { recursive: true });
      for (const [file, content] of Object.entries(map?.data ?? {})) writeFileSync(join(dir, file), String(content));
      mounts.set(mount.mountPath, dir);
    }
    const env: Record<string, string> = { ...imageEnv };
    for (const from of container.envFrom ?? []) {
      const secret = from.secretRef ? (opts.secrets ?? {})[from.secretRef.name] : undefined;
      if (from.secretRef && !secret) {
        cs.state = {
          waiting: { reason: 'CreateContainerConfigError', message: `secret "${from.secretRef.name}" not found` },
        };
        return;
      }
      Object.assign(env, secret);
    }
    for (const e of container.env ?? []) env[e.name] = mounts.get(e.value) ?? e.value;
    const home = join(scratch, `${j.job.metadata.name}-home`);
    mkdirSync(home, { recursive: true });
    env.HOME ??= home;
    env.TMPDIR ??= join(scratch, 'tmp');
    mkdirSync(env.TMPDIR, { recursive: true });
    const [file, ...args] = [...(container.command ?? []), ...(container.args ?? [])];
    const child = spawn(file, args, { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    j.child = child;
    cs.state = { running: { startedAt: new Date().toISOString() } };
    cs.ready = true;
    j.pod.status.phase = 'Running';
    j.job.status.active = 1;
    child.stdout.on('data', (c: Buffer) => collect(j, 'out', c));
    child.stderr.on('data', (c: Buffer) => collect(j, 'err', c));
    child.on('error', (err) => {
      pushLine(j, `exec failed: ${err.message}`);
      finish(j, 128);
    });
    child.on('close', (code, signal) => {
      // Whatever is left of the container's processes goes with it.
      kill(child, 'SIGKILL');
      const why = (j as { stopReason?: { reason: string; message?: string } }).stopReason;
      finish(j, code ?? (signal === 'SIGKILL' ? 137 : 143), why);
    });
    const seconds = j.job.spec.activeDeadlineSeconds;
    if (seconds > 0)
      j.deadline = setTimeout(() => void stopContainer(j, { reason: 'DeadlineExceeded' }), seconds * 1000);
  }

  function selectorMatches(labels: Json, selector: string | null): boolean {
    if (!selector) return true;
    return selector.split(',').every((term) => {
      const [k, v] = term.split('=');
      return labels?.[k!] === v;
    });
  }

  async function removeJob(j: FakeJob, foreground: boolean) {
    const name = j.job.metadata.name;
    const gone = async () => {
      await stopContainer(j);
      jobs.delete(key(j.job.metadata.namespace, name));
    };
    if (foreground) {
      j.job.metadata.deletionTimestamp = new Date().toISOString();
      j.job.metadata.finalizers = ['foregroundDeletion'];
      void gone();
    } else {
      jobs.delete(key(j.job.metadata.namespace, name));
      void stopContainer(j);
    }
  }

  async function handle(
    req: FakeKubeRequest,
    raw: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ status: number; body: Json } | 'streamed'> {
    if (raw.headers.authorization !== `Bearer ${token}`) return status(401, 'Unauthorized', 'Unauthorized');
    const faultAt = faults.findIndex(
      (f) => (!f.method || f.method === req.method) && (!f.path || f.path.test(req.path)),
    );
    if (faultAt >= 0) {
      const f = faults[faultAt]!;
      f.times = (f.times ?? 1) - 1;
      if (f.times <= 0) faults.splice(faultAt, 1);
      const reasons: Record<number, string> = {
        401: 'Unauthorized',
        403: 'Forbidden',
        409: 'AlreadyExists',
        429: 'TooManyRequests',
        500: 'InternalError',
      };
      return status(f.status, reasons[f.status] ?? 'Unknown', `injected ${f.status} for ${req.method} ${req.path}`);
    }
    let m: RegExpExecArray | null;
    if ((m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(req.path))) {
      const [, ns, name] = m as unknown as [string, string, string | undefined];
      if (req.method === 'POST' && !name) {
        const job = req.body!;
        if (job.metadata?.namespace && job.metadata.namespace !== ns)
          return status(400, 'BadRequest', 'the namespace of the object does not match the namespace on the request');
        const found = checkJob(job);
        if (found.length > 0) {
          problems.push(...found);
          return status(422, 'Invalid', `Job.batch "${job.metadata?.name}" is invalid: ${found.join('; ')}`);
        }
        if (jobs.has(key(ns, job.metadata.name)))
          return status(409, 'AlreadyExists', `jobs.batch "${job.metadata.name}" already exists`);
        created.set(job.metadata.name, structuredClone(job));
        const stored = structuredClone(job);
        stored.metadata = {
          ...stored.metadata,
          namespace: ns,
          uid: `uid-${job.metadata.name}`,
          creationTimestamp: new Date().toISOString(),
        };
        stored.status = { startTime: new Date().toISOString() };
        const pod = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `${job.metadata.name}-${(++podSeq).toString(36).padStart(5, 'x')}`,
            namespace: ns,
            labels: { ...(job.spec.template.metadata?.labels ?? {}), 'job-name': job.metadata.name },
            creationTimestamp: new Date().toISOString(),
          },
          spec: job.spec.template.spec,
          status: { phase: 'Pending' },
        };
        const j: FakeJob = {
          job: stored,
          pod,
          log: [],
          partial: { out: '', err: '' },
          listeners: new Set(),
          ended: false,
        };
        jobs.set(key(ns, job.metadata.name), j);
        setTimeout(() => run(j), 50);
        return { status: 201, body: stored };
      }
      if (req.method === 'GET' && !name) {
        const items = [...jobs.values()]
          .filter(
            (j) =>
              j.job.metadata.namespace === ns && selectorMatches(j.job.metadata.labels, req.query.get('labelSelector')),
          )
          .map((j) => j.job);
        return { status: 200, body: { kind: 'JobList', apiVersion: 'batch/v1', metadata: {}, items } };
      }
      const j = name ? jobs.get(key(ns, name)) : undefined;
      if (!j) return status(404, 'NotFound', `jobs.batch "${name}" not found`);
      if (req.method === 'GET') return { status: 200, body: j.job };
      if (req.method === 'DELETE') {
        const policy = req.query.get('propagationPolicy') ?? req.body?.propagationPolicy;
        deletions.push({ name: name!, propagationPolicy: policy });
        await removeJob(j, policy === 'Foreground');
        return { status: 200, body: { kind: 'Status', apiVersion: 'v1', status: 'Success', metadata: {} } };
      }
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(req.path)) && req.method === 'GET') {
      const ns = m[1]!;
      const items = [...jobs.values()]
        .filter(
          (j) =>
            j.pod.metadata.namespace === ns && selectorMatches(j.pod.metadata.labels, req.query.get('labelSelector')),
        )
        .map((j) => j.pod);
      return { status: 200, body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items } };
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(req.path)) && req.method === 'GET') {
      const [, ns, podName] = m as unknown as [string, string, string];
      const j = [...jobs.values()].find((x) => x.pod.metadata.namespace === ns && x.pod.metadata.name === podName);
      if (!j) return status(404, 'NotFound', `pods "${podName}" not found`);
      if (!j.child && !j.ended)
        return status(
          400,
          'BadRequest',
          `container "agent" in pod "${podName}" is waiting to start: ContainerCreating`,
        );
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (const line of j.log) res.write(`${line}\n`);
      if (req.query.get('follow') !== 'true' || j.ended) {
        res.end();
        return 'streamed';
      }
      const listener = (line: string | null) => {
        if (line === null) {
          j.listeners.delete(listener);
          res.end();
        } else res.write(`${line}\n`);
      };
      j.listeners.add(listener);
      res.on('close', () => j.listeners.delete(listener));
      return 'streamed';
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps(?:\/([^/]+))?$/.exec(req.path))) {
      const [, ns, name] = m as unknown as [string, string, string | undefined];
      if (req.method === 'POST' && !name) {
        const map = req.body!;
        if (configMaps.has(key(ns, map.metadata.name)))
          return status(409, 'AlreadyExists', `configmaps "${map.metadata.name}" already exists`);
        configMaps.set(key(ns, map.metadata.name), map);
        configMapsCreated.set(map.metadata.name, structuredClone(map));
        return { status: 201, body: map };
      }
      if (req.method === 'GET' && !name) {
        const items = [...configMaps.entries()]
          .filter(
            ([k, map]) =>
              k.startsWith(`${ns}/`) && selectorMatches(map.metadata?.labels, req.query.get('labelSelector')),
          )
          .map(([, map]) => map);
        return { status: 200, body: { kind: 'ConfigMapList', apiVersion: 'v1', metadata: {}, items } };
      }
      if (req.method === 'DELETE' && name) {
        if (!configMaps.delete(key(ns, name))) return status(404, 'NotFound', `configmaps "${name}" not found`);
        return { status: 200, body: { kind: 'Status', apiVersion: 'v1', status: 'Success', metadata: {} } };
      }
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(req.path)) && req.method === 'GET') {
      const data = (opts.secrets ?? {})[m[2]!];
      if (!data) return status(404, 'NotFound', `secrets "${m[2]}" not found`);
      return {
        status: 200,
        body: {
          kind: 'Secret',
          apiVersion: 'v1',
          metadata: { name: m[2], namespace: m[1] },
          type: 'Opaque',
          data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
        },
      };
    }
    return status(404, 'NotFound', `the server could not find the requested resource (${req.method} ${req.path})`);
  }

  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const url = new URL(raw.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Json | undefined;
      try {
        body = text ? (JSON.parse(text) as Json) : undefined;
      } catch {
        body = undefined;
      }
      const req: FakeKubeRequest = { method: raw.method ?? 'GET', path: url.pathname, query: url.searchParams, body };
      requests.push(req);
      handle(req, raw, res)
        .then((reply) => {
          if (reply === 'streamed') return;
          res.writeHead(reply.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(reply.body));
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', code: 500, message: `fake server error: ${String(err)}` }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    token,
    requests,
    problems,
    created,
    configMapsCreated,
    deletions,
    jobNames: () => [...jobs.values()].map((j) => j.job.metadata.name as string),
    configMapNames: () => [...configMaps.values()].map((m) => m.metadata.name as string),
    fail: (fault) => faults.push({ ...fault }),
    evict(jobName) {
      const j = [...jobs.values()].find((x) => x.job.metadata.name === jobName);
      if (!j) throw new Error(`no Job ${jobName}`);
      const why = { reason: 'Evicted', message: 'The node was low on resource: memory.' };
      (j as { stopReason?: typeof why }).stopReason = why;
      if (j.child) kill(j.child, 'SIGKILL');
      else finish(j, 137, why);
    },
    addConfigMap(namespace, map) {
      configMaps.set(key(namespace, map.metadata.name), map);
    },
    deleteBehindBack(jobName) {
      const j = [...jobs.values()].find((x) => x.job.metadata.name === jobName);
      if (!j) throw new Error(`no Job ${jobName}`);
      void removeJob(j, false);
    },
    writeKubeconfig(file, o = {}) {
      const context = o.context ?? 'fake';
      writeFileSync(
        file,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          // client-node speaks plain HTTP only to a cluster marked insecure-skip-tls-verify.
          clusters: [{ name: 'fake-cluster', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
          users: [{ name: 'fake-user', user: { token } }],
          contexts: [
            {
              name: context,
              context: { cluster: 'fake-cluster', user: 'fake-user', namespace: opts.namespace ?? 'default' },
            },
          ],
          'current-context': context,
        }),
      );
    },
    async close() {
      for (const j of jobs.values()) {
        if (j.deadline) clearTimeout(j.deadline);
        if (j.child && !j.ended) kill(j.child, 'SIGKILL');
        for (const l of j.listeners) l(null);
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

function kill(child: ChildProcess, signal: NodeJS.Signals) {
  for (const target of [-child.pid!, child.pid!]) {
    try {
      process.kill(target, signal);
    } catch {
      // Gone already.
    }
  }
}
