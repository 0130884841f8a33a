/**
 * What a Job and its pod say, reduced to what the executor acts on. Pure: the fake API server in
 * the tests and a real cluster report the same documented fields.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';

export type JobState =
  | { kind: 'pending' }
  /** The container runs (or ran): its log can be followed. */
  | { kind: 'running'; pod: string }
  | { kind: 'succeeded'; pod: string | undefined }
  | { kind: 'failed'; pod: string | undefined; exitCode: number | undefined; message: string }
  | { kind: 'deadline'; pod: string | undefined }
  | { kind: 'image-pull'; reason: string; message: string }
  | { kind: 'config-error'; message: string }
  | { kind: 'evicted'; pod: string; message: string };

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

export function jobState(job: V1Job, pods: readonly V1Pod[]): JobState {
  // The newest pod (backoffLimit 0 makes one, but a node loss can make another).
  const created = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime() || 0;
  const pod = [...pods].sort((a, b) => created(a) - created(b))[pods.length - 1];
  const podName = pod?.metadata?.name;
  const container = pod?.status?.containerStatuses?.[0];
  const conditions = job.status?.conditions ?? [];
  const has = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');

  if (pod?.status?.reason === 'Evicted')
    return { kind: 'evicted', pod: podName!, message: pod.status.message ?? 'evicted by its node' };
  const waiting = container?.state?.waiting;
  if (waiting?.reason && IMAGE_PULL.has(waiting.reason))
    return { kind: 'image-pull', reason: waiting.reason, message: waiting.message ?? '' };
  if (waiting?.reason === 'CreateContainerConfigError' || waiting?.reason === 'CreateContainerError')
    return { kind: 'config-error', message: waiting.message ?? waiting.reason };

  const failed = has('Failed');
  if (failed?.reason === 'DeadlineExceeded') return { kind: 'deadline', pod: podName };
  if (has('Complete') || (job.status?.succeeded ?? 0) > 0) return { kind: 'succeeded', pod: podName };
  const terminated = container?.state?.terminated;
  if (failed || (job.status?.failed ?? 0) > 0)
    return {
      kind: 'failed',
      pod: podName,
      exitCode: terminated?.exitCode,
      message: failed?.message ?? terminated?.reason ?? 'the Job failed',
    };
  if (podName && (container?.state?.running || terminated || pod?.status?.phase === 'Running'))
    return { kind: 'running', pod: podName };
  return { kind: 'pending' };
}
