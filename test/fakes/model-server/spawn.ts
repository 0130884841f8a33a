/**
 * Start the fake model server as a separate process and wait for its URL line. Test code only
 * (it spawns directly): used when the agents a test starts must outlive the test's own event loop.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { FakeScript } from './script.js';
import type { RecordedRequest } from './server.js';

export interface FakeModelServerProcess {
  url: string;
  port: number;
  pid: number;
  /** Requests recorded so far (read from the process's request log). */
  requests(): RecordedRequest[];
  close(): Promise<void>;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** `dir` receives the script and the request log. */
export async function spawnFakeModelServer(
  script: FakeScript,
  dir: string,
  opts: { port?: number } = {},
): Promise<FakeModelServerProcess> {
  const scriptFile = join(dir, 'fake-model-script.json');
  const logFile = join(dir, 'fake-model-requests.jsonl');
  writeFileSync(scriptFile, JSON.stringify(script));
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const child = spawn(
    process.execPath,
    [
      '--import',
      tsx,
      join(here, 'main.ts'),
      '--script',
      scriptFile,
      '--port',
      String(opts.port ?? 0),
      '--requests',
      logFile,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      // tsx keeps a compile cache in TMPDIR: in `dir`, it goes with the caller's folder.
      env: { ...process.env, TMPDIR: dir },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (l) => resolve(l));
    child.once('exit', (code) => reject(new Error(`fake model server exited (${code}) before printing its URL`)));
  });
  const info = JSON.parse(line) as { url: string; port: number; pid: number };
  return {
    ...info,
    requests: () =>
      existsSync(logFile)
        ? readFileSync(logFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as RecordedRequest)
        : [],
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
