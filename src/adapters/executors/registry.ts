/** The remote executors by runner type: adding one is a folder and one line here. */
import type { RemoteExecutor, RemoteExecutors } from '../../contracts/executor.js';
import { kubernetesExecutor } from './kubernetes/index.js';
import { sshExecutor } from './ssh/index.js';

const EXECUTORS: readonly RemoteExecutor[] = [kubernetesExecutor, sshExecutor];

export const remoteExecutors: RemoteExecutors = {
  types: EXECUTORS.map((e) => e.type),
  get: (type) => EXECUTORS.find((e) => e.type === type),
};
