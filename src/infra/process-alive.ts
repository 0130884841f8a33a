/**
 * Whether a process lanes recorded is still the one running. A pid alone is not enough: after the
 * recorded process dies, the kernel may hand its pid to any new process, and a lane would look
 * busy forever. So a recorded pid is judged together with a time the record was written: a live
 * process that started after that time (plus an allowance) is someone else.
 *
 * The start time comes from /proc on Linux; elsewhere it is unknown and plain liveness is all
 * there is (reading it there needs `ps`, an external command, which these synchronous checks avoid).
 */
import { readFileSync } from 'node:fs';
import { signalProcess } from './exec.js';

/** Whether a process exists (signal 0 checks without sending anything; another user's process exists too). */
export function isProcessAlive(pid: number): boolean {
  return signalProcess(pid, 0) !== 'gone';
}

/** The clock /proc/<pid>/stat counts in (USER_HZ): 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * btime in /proc/stat has whole-second precision, so a start time read back can be up to a second
 * early or late; 2 s keeps the recorder itself from ever looking newer than its own record.
 */
export const START_TIME_SKEW_MS = 2_000;

/**
 * True when `pid` is alive and may be the process that wrote a record at `recordedAt` (ISO time):
 * it started no later than `recordedAt + allowMs`. The default allowance suits a record written by
 * the process itself (it started before it wrote); a record written before its process was spawned
 * (an agent run's supervisor) passes how long spawning may take.
 */
export function isRecordedProcessAlive(pid: number, recordedAt: string, allowMs = START_TIME_SKEW_MS): boolean {
  if (!isProcessAlive(pid)) return false;
  const recorded = Date.parse(recordedAt);
  const started = processStartTime(pid);
  if (Number.isNaN(recorded) || started === undefined) return true;
  return started <= recorded + allowMs;
}

/** When the process started (ms since the epoch), or undefined where that cannot be read. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces and ')': fields count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[22 - 3]);
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!btime || !Number.isFinite(startTicks)) return undefined;
    return Number(btime[1]) * 1000 + (startTicks / CLOCK_TICKS_PER_SECOND) * 1000;
  } catch {
    return undefined;
  }
}
