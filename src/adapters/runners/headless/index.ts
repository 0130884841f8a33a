/** The headless runner: the supervisor runs detached (own session, no terminal), its output in supervisor.log. */
import { join } from 'node:path';
import type { Runner } from '../../../contracts/runner.js';
import { startDetached } from '../../../infra/exec.js';
import { localProcessControl } from '../local-process.js';

export const headlessRunner: Runner = {
  name: 'headless',
  async start(request) {
    const { file, args } = request.supervisor;
    const pid = startDetached(file, args, {
      cwd: request.worktree,
      env: request.env,
      logFile: join(request.run.runDir, 'supervisor.log'),
    });
    return { supervisorPid: pid };
  },
  ...localProcessControl,
};
