/**
 * The objects a run on a Kubernetes runner creates: a ConfigMap with the prompt and the launch's
 * generated files (mounted read-only, never in the command's arguments) and a batch/v1 Job that runs
 * the script of ./script.ts. Pure, so `lanes runner manifest` prints exactly what the executor creates.
 */
import type { V1ConfigMap, V1EnvVar, V1Job } from '@kubernetes/client-node';
import { basename } from 'node:path';
import type { AgentLaunch } from '../../../contracts/agent-adapter.js';
import type { KubernetesRunnerSchema } from '../../../infra/config-schema.js';
import {
  CONTAINER,
  holdsSecret,
  INPUT_MOUNT,
  isLocalHomeVariable,
  jobName,
  LANE_ANNOTATION,
  labelsOf,
} from './names.js';
import { jobScript } from './script.js';
import type { z } from 'zod';

export type KubernetesSettings = z.output<typeof KubernetesRunnerSchema>;

export interface JobPlanInput {
  settings: KubernetesSettings;
  /** repoLabel(commonDir). */
  repo: string;
  runId: number | string;
  lane: string;
  phase: string;
  branch: string;
  worktree: string;
  runDir: string;
  launch: AgentLaunch;
  timeoutMs: number;
  /** The commit the run starts from (pushed to the remote first). */
  start: string;
  /** The remote's URL, credentials removed. */
  url: string;
  /** The prompt's text (the launch's stdin file), or undefined when the launch closes stdin. */
  prompt: string | undefined;
  /** Who the agent's commits are by: this repository's user.name and user.email. */
  identity: { name?: string | undefined; email?: string | undefined };
}

export interface JobPlan {
  configMap: V1ConfigMap;
  job: V1Job;
  /** Launch variables left out of the spec because they may hold secrets (the Secret supplies them). */
  withheld: string[];
}

export function planJob(input: JobPlanInput): JobPlan {
  const { settings, launch } = input;
  const name = jobName(input.repo, input.lane, input.runId);
  const labels = labelsOf(input);
  const metadata = {
    name,
    namespace: settings.namespace,
    labels,
    annotations: { [LANE_ANNOTATION]: input.lane },
  };
  const paths = { worktree: input.worktree, runDir: input.runDir };
  const mentionsLocalPath = (v: string) => v.includes(paths.worktree) || v.includes(paths.runDir);

  const env: V1EnvVar[] = [];
  const exports: { name: string; value: string }[] = [];
  const withheld: string[] = [];
  for (const [key, value] of Object.entries(launch.env).sort(([a], [b]) => a.localeCompare(b))) {
    if (holdsSecret(key)) withheld.push(key);
    else if (isLocalHomeVariable(key)) continue;
    else if (mentionsLocalPath(value)) exports.push({ name: key, value });
    else env.push({ name: key, value });
  }
  const { name: who, email } = input.identity;
  for (const role of ['AUTHOR', 'COMMITTER']) {
    if (who) env.push({ name: `GIT_${role}_NAME`, value: who });
    if (email) env.push({ name: `GIT_${role}_EMAIL`, value: email });
  }
  env.push({ name: 'LANES_INPUT', value: INPUT_MOUNT });

  const data: Record<string, string> = {};
  if (input.prompt !== undefined) data.prompt = input.prompt;
  const files = launch.files.map((f, i) => {
    data[`file-${i}`] = f.content;
    return { key: `file-${i}`, path: f.path };
  });
  const script = jobScript({
    url: input.url,
    branch: input.branch,
    start: input.start,
    dirName: basename(input.worktree),
    worktree: input.worktree,
    runDir: input.runDir,
    program: launch.file,
    args: launch.args,
    cwd: launch.cwd,
    promptStdin: input.prompt !== undefined,
    files,
    exports,
  });
  const configMap: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { ...metadata, name: `${name}-input` },
    data,
  };
  const resources =
    settings.resources && (settings.resources.cpu || settings.resources.memory)
      ? {
          requests: { ...settings.resources },
          limits: { ...settings.resources },
        }
      : undefined;
  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata,
    spec: {
      backoffLimit: 0,
      // The run's timeout, enforced by the cluster even when lanes' supervisor is gone.
      activeDeadlineSeconds: Math.max(1, Math.ceil(input.timeoutMs / 1000)),
      // A Job lanes could not delete (its machine went away) does not stay forever.
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels, annotations: { [LANE_ANNOTATION]: input.lane } },
        spec: {
          restartPolicy: 'Never',
          ...(settings.serviceAccount
            ? { serviceAccountName: settings.serviceAccount }
            : // The agent needs no access to the cluster unless a service account is named.
              { automountServiceAccountToken: false }),
          containers: [
            {
              name: CONTAINER,
              image: settings.image,
              command: ['/bin/sh', '-c', script],
              env,
              ...(settings.secretName ? { envFrom: [{ secretRef: { name: settings.secretName } }] } : {}),
              ...(resources ? { resources } : {}),
              volumeMounts: [{ name: 'lanes-input', mountPath: INPUT_MOUNT, readOnly: true }],
            },
          ],
          volumes: [{ name: 'lanes-input', configMap: { name: `${name}-input` } }],
        },
      },
    },
  };
  return { configMap, job, withheld };
}

/** A remote URL without user info: a token in `https://user:token@host/…` never goes into the spec. */
export function withoutCredentials(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (!parsed.password && !parsed.username) return url;
    // ssh://git@host keeps its user: that is not a secret, and ssh needs it.
    if (parsed.protocol === 'ssh:' && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}
