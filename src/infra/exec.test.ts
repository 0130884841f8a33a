import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InterruptedError, ToolError } from '../domain/errors.js';
import { ExecError, exec, setBaseEnvironment } from './exec.js';

describe('the process gateway', () => {
  it('passes arguments as an array: nothing in them is run by a shell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanes-exec-'));
    try {
      const res = await exec('printf', ['%s', `$(touch ${join(dir, 'x')}) ; echo hi`]);
      expect(res.stdout).toBe(`$(touch ${join(dir, 'x')}) ; echo hi`);
      expect(existsSync(join(dir, 'x'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scrubs variables that would point git at another repository', async () => {
    setBaseEnvironment({ PATH: process.env.PATH, GIT_DIR: '/elsewhere/.git', GIT_INDEX_FILE: '/x', KEEP: 'yes' });
    const res = await exec('sh', ['-c', 'echo "${GIT_DIR:-none} ${GIT_INDEX_FILE:-none} $KEEP"']);
    expect(res.stdout.trim()).toBe('none none yes');
    setBaseEnvironment(process.env);
  });

  it('throws an error carrying the command, exit code and stderr', async () => {
    const err = await exec('sh', ['-c', 'echo progress >&2; echo "fatal: it broke" >&2; exit 3']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as ExecError).message).toBe('sh -c "echo progress >&2; echo \\"fatal: it broke\\" >&2; exit 3" failed (exit 3): fatal: it broke');
    expect((err as ExecError).result.exitCode).toBe(3);
  });

  it('names a missing program', async () => {
    const err = await exec('lanes-no-such-program', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toBe('command not found: lanes-no-such-program');
  });

  it('ends a command and everything it started at the timeout', async () => {
    const started = Date.now();
    const err = await exec('sh', ['-c', 'sleep 30 & sleep 30'], { timeoutMs: 300 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/timed out after 0 s/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('ends a command when the caller aborts, as an interruption', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const err = await exec('sh', ['-c', 'sleep 30 & sleep 30'], { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
