/**
 * Names and labels of what the Kubernetes runner creates, and which of a launch's variables may
 * travel in a Job spec. Pure: the executor, `lanes runner manifest` and `lanes doctor` share them.
 */
import { createHash } from 'node:crypto';

export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  repo: 'lanes.dev/repo',
  lane: 'lanes.dev/lane',
  run: 'lanes.dev/run',
  phase: 'lanes.dev/phase',
} as const;
/** Label values are limited to 63 characters of [A-Za-z0-9_.-]: the lane's exact name goes here. */
export const LANE_ANNOTATION = 'lanes.dev/lane-name';
export const MANAGED_BY = 'lanes';
/** Where the ConfigMap (prompt, generated files) is mounted in the agent's container. */
export const INPUT_MOUNT = '/var/run/lanes';
export const CONTAINER = 'agent';

/**
 * This clone of the repository, as a label value. The common dir, not the remote URL: teammates
 * share a remote, and one's `lanes doctor --fix` must never delete another's Jobs.
 */
export function repoLabel(commonDir: string): string {
  return createHash('sha256').update(commonDir).digest('hex').slice(0, 16);
}

/** A DNS-1123 piece: lower-case letters, digits and '-', no dash at either end. */
function dnsPiece(text: string, max: number): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .slice(0, max)
      .replace(/^-+|-+$/g, '') || 'x'
  );
}

/** A label value: at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends. */
export function labelValue(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9_.-]+/g, '-')
      .slice(0, 63)
      .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '') || 'x'
  );
}

/**
 * `lanes-<repo>-<lane>-<run>`: unique per clone and run, and at most 63 characters, since the Job
 * controller copies the name into the pod's `job-name` label.
 */
export function jobName(repo: string, lane: string, runId: number | string): string {
  const tail = `-${dnsPiece(String(runId), 12)}`;
  const head = `lanes-${repo.slice(0, 8)}-`;
  return `${head}${dnsPiece(lane, 63 - head.length - tail.length)}${tail}`;
}

export function labelsOf(p: { repo: string; lane: string; runId: number | string; phase: string }) {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.repo]: p.repo,
    [LABELS.lane]: labelValue(p.lane),
    [LABELS.run]: labelValue(String(p.runId)),
    [LABELS.phase]: labelValue(p.phase || 'none'),
  };
}

export function repoSelector(repo: string): string {
  return `${LABELS.managedBy}=${MANAGED_BY},${LABELS.repo}=${repo}`;
}

/** Variables known to hold credentials whose names do not say so. */
const KNOWN_CREDENTIALS = new Set([
  'AWS_ACCESS_KEY_ID',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GIT_CREDENTIALS',
  'GIT_ASKPASS',
  'SSH_AUTH_SOCK',
  'DATABASE_URL',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'KUBECONFIG',
]);

/** A variable that may hold a secret never goes into a Job spec: the Secret supplies it. */
export function holdsSecret(name: string): boolean {
  const upper = name.toUpperCase();
  return (
    /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$/.test(upper) ||
    /(^|_)(API_?KEY|AUTH|PASSWORD|SECRET)(_|$)/.test(upper) ||
    KNOWN_CREDENTIALS.has(upper)
  );
}

/** The isolated agent home lanes' tests and demo set is a path on this machine: the image has its own. */
export function isLocalHomeVariable(name: string): boolean {
  return /^(HOME|USERPROFILE|XDG_(CONFIG|DATA|STATE|CACHE)_HOME)$/.test(name);
}
