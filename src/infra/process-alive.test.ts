import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isProcessAlive, isRecordedProcessAlive, processStartTime } from './process-alive.js';

const hasProc = existsSync('/proc/self/stat');

describe('isRecordedProcessAlive', () => {
  it('is false for a pid no process has', () => {
    expect(isProcessAlive(2 ** 22 + 12345)).toBe(false);
    expect(isRecordedProcessAlive(2 ** 22 + 12345, new Date().toISOString())).toBe(false);
  });

  it('accepts a live process recorded after it started (the recorder itself)', () => {
    expect(isRecordedProcessAlive(process.pid, new Date().toISOString())).toBe(true);
  });

  it.skipIf(!hasProc)('reads a start time that agrees with the process uptime within the clock precision', () => {
    const fromUptime = Date.now() - process.uptime() * 1000;
    expect(Math.abs(processStartTime(process.pid)! - fromUptime)).toBeLessThan(2_000);
  });

  it.skipIf(!hasProc)('rejects a live process that started after the record was written: a reused pid', async () => {
    const recorded = new Date(Date.now() - 60_000).toISOString();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      expect(isProcessAlive(child.pid!)).toBe(true);
      expect(isRecordedProcessAlive(child.pid!, recorded)).toBe(false);
      // With an allowance that covers the gap, the same process may be the recorded one.
      expect(isRecordedProcessAlive(child.pid!, recorded, 10 * 60_000)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
