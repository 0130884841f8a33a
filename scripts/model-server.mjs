#!/usr/bin/env node
// @ts-check
// The scripted model server for running agents offline: `npm run model-server -- --script s.json
// [--port 0] [--host 127.0.0.1] [--requests log.jsonl]`. Starts test/fakes/model-server (the one the
// tests use), prints the `export LANES_AGENT_BASE_URL=…` line to paste into another shell, and runs
// until Ctrl-C. The script format is described in the README ("Running agents offline").
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = createRequire(join(root, 'package.json')).resolve('tsx');
const server = spawn(
  process.execPath,
  ['--import', tsx, join(root, 'test', 'fakes', 'model-server', 'main.ts'), ...process.argv.slice(2)],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
createInterface({ input: server.stdout }).once('line', (line) => {
  /** @type {{ url: string }} the server's first line */
  const { url } = JSON.parse(line);
  process.stdout.write(`export LANES_AGENT_BASE_URL=${url}\n`);
  process.stderr.write(
    'model-server: listening; export the line above where you run lanes (the agents reach the server there). Ctrl-C stops it.\n',
  );
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
