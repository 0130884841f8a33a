/**
 * The Kubernetes API as the runner uses it, through the official client (`@kubernetes/client-node`),
 * loaded only here and only when a run, `lanes runner` or `lanes doctor` needs a cluster: it is heavy.
 * The kubeconfig is found as kubectl finds it (KUBECONFIG, else ~/.kube/config); `context` picks one.
 *
 * Every call is retried a few times on 429 and 5xx (bounded); any failure becomes a KubeError whose
 * message is one line that says what failed and what to do.
 */
import type { V1ConfigMap, V1Job, V1Pod } from '@kubernetes/client-node';
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';

export class KubeError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

export interface KubeApi {
  /** The API server's URL and the context in use, for messages. */
  readonly server: string;
  readonly context: string;
  /** undefined when lanes may not read Secrets there (403): then it is not checked. */
  secretExists(namespace: string, name: string): Promise<boolean | undefined>;
  createConfigMap(map: V1ConfigMap): Promise<void>;
  deleteConfigMap(namespace: string, name: string): Promise<void>;
  createJob(job: V1Job): Promise<void>;
  /** undefined when there is no such Job (deleted). */
  readJob(namespace: string, name: string): Promise<V1Job | undefined>;
  /** Deletes it and, with Foreground, its pods before the Job itself; a Job already gone is fine. */
  deleteJob(namespace: string, name: string, propagation: 'Foreground' | 'Background'): Promise<void>;
  listJobs(namespace: string, labelSelector: string): Promise<V1Job[]>;
  listConfigMaps(namespace: string, labelSelector: string): Promise<V1ConfigMap[]>;
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  /**
   * Follows a container's log, each line to `onLine`, until the stream ends (the container ended or
   * the server closed it) or `signal` aborts.
   */
  followLog(
    namespace: string,
    pod: string,
    container: string,
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

export interface ConnectOptions {
  context?: string | undefined;
  /** Attempts for 429 and 5xx answers, and the first pause between them (doubled each time). */
  attempts?: number;
  pauseMs?: number;
}

export async function connectKube(opts: ConnectOptions = {}): Promise<KubeApi> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (err) {
    throw new KubeError(
      `cannot read the kubeconfig (${process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG}` : '~/.kube/config'}): ${oneLine(err)}`,
      undefined,
    );
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeError(
        `the kubeconfig has no context ${JSON.stringify(opts.context)} (it has: ${known.join(', ') || 'none'}); fix runners.<name>.context`,
        undefined,
      );
    }
    kc.setCurrentContext(opts.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster)
    throw new KubeError(
      'the kubeconfig names no cluster (KUBECONFIG, ~/.kube/config): kubectl config get-contexts shows what there is',
      undefined,
    );
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const server = cluster.server;
  const context = kc.getCurrentContext();
  const attempts = opts.attempts ?? 4;
  const pauseMs = opts.pauseMs ?? 500;

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const status = statusOf(err);
        const transient = status === 429 || (status !== undefined && status >= 500 && status <= 504);
        if (transient && attempt < attempts) {
          await new Promise((r) => setTimeout(r, pauseMs * 2 ** (attempt - 1)));
          continue;
        }
        throw new KubeError(describe(err, what, { server, context, attempts: attempt }), status);
      }
    }
  }
  const notFoundAs = async <T>(what: string, fn: () => Promise<T>, absent: T): Promise<T> => {
    try {
      return await call(what, fn);
    } catch (err) {
      if (err instanceof KubeError && err.status === 404) return absent;
      throw err;
    }
  };

  return {
    server,
    context,
    secretExists: async (namespace, name) => {
      try {
        return await notFoundAs<boolean | undefined>(
          `read Secret ${name} in namespace ${namespace}`,
          async () => {
            // Only whether it exists: its data is dropped here, never kept or logged.
            await core.readNamespacedSecret({ namespace, name });
            return true;
          },
          false,
        );
      } catch (err) {
        if (err instanceof KubeError && err.status === 403) return undefined;
        throw err;
      }
    },
    createConfigMap: async (map) => {
      const namespace = map.metadata!.namespace!;
      await call(`create ConfigMap ${map.metadata!.name} in namespace ${namespace}`, () =>
        core.createNamespacedConfigMap({ namespace, body: map }),
      );
    },
    deleteConfigMap: (namespace, name) =>
      notFoundAs(
        `delete ConfigMap ${name} in namespace ${namespace}`,
        async () => {
          await core.deleteNamespacedConfigMap({ namespace, name });
        },
        undefined,
      ),
    createJob: async (job) => {
      const namespace = job.metadata!.namespace!;
      await call(`create Job ${job.metadata!.name} in namespace ${namespace}`, () =>
        batch.createNamespacedJob({ namespace, body: job }),
      );
    },
    readJob: (namespace, name) =>
      notFoundAs<V1Job | undefined>(
        `read Job ${name} in namespace ${namespace}`,
        () => batch.readNamespacedJob({ namespace, name }),
        undefined,
      ),
    deleteJob: (namespace, name, propagationPolicy) =>
      notFoundAs(
        `delete Job ${name} in namespace ${namespace}`,
        async () => {
          await batch.deleteNamespacedJob({ namespace, name, propagationPolicy });
        },
        undefined,
      ),
    listJobs: async (namespace, labelSelector) =>
      (await call(`list Jobs in namespace ${namespace}`, () => batch.listNamespacedJob({ namespace, labelSelector })))
        .items,
    listConfigMaps: async (namespace, labelSelector) =>
      (
        await call(`list ConfigMaps in namespace ${namespace}`, () =>
          core.listNamespacedConfigMap({ namespace, labelSelector }),
        )
      ).items,
    listPods: async (namespace, labelSelector) =>
      (await call(`list pods in namespace ${namespace}`, () => core.listNamespacedPod({ namespace, labelSelector })))
        .items,
    followLog: async (namespace, pod, container, onLine, signal) => {
      const stream = new PassThrough();
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      lines.on('line', onLine);
      const ended = new Promise<void>((resolve) => {
        lines.on('close', resolve);
      });
      const controller = await call(`read the log of pod ${pod} in namespace ${namespace}`, () =>
        new k8s.Log(kc).log(namespace, pod, container, stream, { follow: true }),
      );
      const stop = () => {
        controller.abort();
        stream.end();
      };
      if (signal.aborted) stop();
      signal.addEventListener('abort', stop, { once: true });
      // node-fetch reports an aborted or broken body as an error on the piped stream's source only.
      stream.on('error', () => stream.end());
      await ended;
      signal.removeEventListener('abort', stop);
    },
  };
}

export function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function bodyMessage(err: unknown): string | undefined {
  let body = (err as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    const text = body.trim();
    try {
      body = JSON.parse(text);
    } catch {
      return text ? text.slice(0, 200) : undefined;
    }
  }
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** One line per kind of failure: what lanes tried, what the cluster said, what to do. */
export function describe(
  err: unknown,
  what: string,
  where: { server: string; context: string; attempts: number },
): string {
  const status = statusOf(err);
  const said = bodyMessage(err);
  const detail = said ? `: ${said}` : '';
  switch (status) {
    case 401:
      return `the cluster at ${where.server} refused lanes' credentials (401 Unauthorized) to ${what}: renew the login of kubeconfig context ${where.context} (kubectl auth whoami shows it)`;
    case 403:
      return `forbidden (403) to ${what}${detail}: the user of kubeconfig context ${where.context} needs create, get, list and delete on jobs, configmaps and pods, get on pods/log and secrets (kubectl auth can-i create jobs -n <namespace>)`;
    case 404:
      return `not found (404) trying to ${what}${detail}`;
    case 409:
      return `conflict (409) trying to ${what}${detail}: an object of that name already exists; lanes doctor --fix deletes Jobs lanes left behind`;
    case 429:
      return `the API server at ${where.server} kept answering 429 Too Many Requests to ${what} (${where.attempts} tries): wait and start the lane again`;
    case undefined:
      return `cannot reach the cluster at ${where.server} to ${what}: ${oneLine(err)}`;
    default:
      if (status >= 500)
        return `the API server at ${where.server} failed (${status}) to ${what} after ${where.attempts} tries${detail}: try again later`;
      return `the API server answered ${status} to ${what}${detail}`;
  }
}
