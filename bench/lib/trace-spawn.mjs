// @ts-check
// Profiling aid, not a benchmark: preload it into the lanes CLI to log, on stderr, when the
// process started its work, every child process it spawns (command, start offset, duration) and
// when it exits. Times are ms since the process's time origin.
//
//   NODE_OPTIONS="--import=$PWD/bench/lib/trace-spawn.mjs" node dist/lanes.js new 1 --no-agent
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';

const t = () => performance.now().toFixed(1).padStart(7);
const log = (/** @type {string} */ s) => process.stderr.write(`[trace ${t()}] ${s}\n`);
log(`preload (node bootstrap done, pid ${process.pid})`);

const original = childProcess.spawn;
/**
 * spawn with a log line when the child closes. Its overloads (args or options may be left out)
 * all reach this one function, which hands what it got to the original unchanged.
 * @this {unknown}
 * @param {string} file
 * @param {readonly string[] | import('node:child_process').SpawnOptions} [args]
 * @param {import('node:child_process').SpawnOptions} [opts]
 * @returns {import('node:child_process').ChildProcess}
 */
function tracedSpawn(file, args, opts) {
  const start = performance.now();
  /** @type {import('node:child_process').ChildProcess} */
  const child = Reflect.apply(original, this, [file, args, opts]);
  const cmd = [file, ...(Array.isArray(args) ? args : [])].join(' ').slice(0, 140);
  child.once('close', (code) =>
    log(
      `${(performance.now() - start).toFixed(1).padStart(7)} ms  exit ${code}  started at ${start.toFixed(1)}  ${cmd}`,
    ),
  );
  return child;
}
childProcess.spawn = /** @type {typeof childProcess.spawn} */ (/** @type {unknown} */ (tracedSpawn));
syncBuiltinESMExports();
process.once('exit', (code) => log(`exit ${code}`));
