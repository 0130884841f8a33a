/**
 * The fake model server as its own process, for agents that outlive the test function (lanes'
 * headless runner): `node --import tsx test/fakes/model-server/main.ts --script s.json [--port 0]
 * [--requests log.jsonl]`. Prints one JSON line `{"url":…,"port":…,"pid":…}` on stdout once it
 * listens, appends each request as a JSON line to the --requests file, and exits on SIGTERM/SIGINT.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseFakeScript } from './script.js';
import { startFakeModelServer } from './server.js';

const { values } = parseArgs({
  options: {
    script: { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    requests: { type: 'string' },
  },
});
if (!values.script) {
  process.stderr.write('usage: main.ts --script <file.json> [--port N] [--host H] [--requests <log.jsonl>]\n');
  process.exit(2);
}
const script = parseFakeScript(JSON.parse(readFileSync(values.script, 'utf8')));
const log = values.requests;
const server = await startFakeModelServer(script, {
  port: Number(values.port),
  host: values.host,
  onRequest: log ? (r) => appendFileSync(log, JSON.stringify(r) + '\n') : undefined,
});
process.stdout.write(JSON.stringify({ url: server.url, port: server.port, pid: process.pid }) + '\n');
const stop = () => void server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
