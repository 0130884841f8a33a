import { getEventListeners } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InterruptedError, ToolError } from '../domain/errors.js';
import {
  ExecError,
  ExecInterruptedError,
  createGateway,
  exec,
  execBytes,
  execOnTerminal,
  runSupervised,
  setBaseEnvironment,
  startDetached,
} from './exec.js';

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
    const err = await exec('sh', ['-c', 'echo progress >&2; echo "fatal: it broke" >&2; exit 3']).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExecError);
    expect((err as ExecError).message).toBe(
      'sh -c "echo progress >&2; echo \\"fatal: it broke\\" >&2; exit 3" failed (exit 3): fatal: it broke',
    );
    expect((err as ExecError).failure).toEqual({
      command: 'sh -c "echo progress >&2; echo \\"fatal: it broke\\" >&2; exit 3"',
      exitCode: 3,
      signal: null,
      stderrTail: 'progress\nfatal: it broke',
      timedOut: false,
      canceled: false,
    });
    expect((err as ExecError).result?.exitCode).toBe(3);
  });

  it('names a missing program', async () => {
    const err = await exec('lanes-no-such-program', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toBe('command not found: lanes-no-such-program');
  });

  it('ends a command and everything it started at the timeout', async () => {
    const started = Date.now();
    const err = await exec('sh', ['-c', 'sleep 30 & sleep 30'], { timeoutMs: 300 }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('sh -c "sleep 30 & sleep 30" timed out after 0 s');
    expect((err as ExecError).failure).toMatchObject({
      timedOut: true,
      canceled: false,
      exitCode: null,
      signal: 'SIGKILL',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('ends a command when the caller aborts, as an interruption', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const err = await exec('sh', ['-c', 'sleep 30 & sleep 30'], { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as ExecInterruptedError).failure).toMatchObject({
      command: 'sh -c "sleep 30 & sleep 30"',
      timedOut: false,
      canceled: true,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('names a command killed by a signal, with the signal', async () => {
    const err = await exec('sh', ['-c', 'echo dying >&2; kill -TERM $$']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as Error).message).toBe('sh -c "echo dying >&2; kill -TERM $$" was killed by signal SIGTERM');
    expect((err as ExecError).failure).toMatchObject({
      exitCode: null,
      signal: 'SIGTERM',
      stderrTail: 'dying',
      timedOut: false,
      canceled: false,
    });
  });

  it('shares one abort listener among many commands under the same signal, and removes it after', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const running = Array.from({ length: 30 }, (_, i) =>
        exec('sh', ['-c', `echo ${i}`], { signal: controller.signal }),
      );
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      const results = await Promise.all(running);
      expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('keeps raw bytes from execBytes and fails it like exec', async () => {
    const res = await execBytes('printf', ['\\377a']);
    expect([...res.stdout]).toEqual([0xff, 0x61]);
    const err = await execBytes('sh', ['-c', 'echo "fatal: no" >&2; exit 2']).catch((e: unknown) => e);
    expect((err as Error).message).toBe('sh -c "echo \\"fatal: no\\" >&2; exit 2" failed (exit 2): fatal: no');
    expect((err as ExecError).failure.exitCode).toBe(2);
  });

  it('refuses to start a detached process whose program or folder is missing, saying which', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanes-exec-'));
    try {
      const file = join(dir, 'file');
      writeFileSync(file, '');
      const missing = (() => {
        try {
          return startDetached('lanes-no-such-program', [], { cwd: dir });
        } catch (err) {
          return err;
        }
      })();
      expect(missing).toBeInstanceOf(ExecError);
      expect((missing as ExecError).message).toBe('command not found: lanes-no-such-program');
      expect((missing as ExecError).failure).toEqual(failureOf('lanes-no-such-program'));
      expect(() => startDetached('sh', ['-c', 'true'], { cwd: file })).toThrow(
        `cannot run sh in ${file}: not a directory`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts a detached process whose output goes to its log file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanes-exec-'));
    try {
      const log = join(dir, 'out.log');
      const pid = startDetached('sh', ['-c', 'echo detached; echo done > finished'], { cwd: dir, logFile: log });
      expect(pid).toBeGreaterThan(0);
      await until(() => existsSync(join(dir, 'finished')));
      expect(readFileSync(log, 'utf8')).toBe('detached\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports how a supervised child ended: its exit code, or that it was not found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanes-exec-'));
    try {
      const lines: string[] = [];
      const exit = await runSupervised('sh', ['-c', 'echo one; echo two; echo oops >&2; exit 5'], {
        cwd: dir,
        stderrFile: join(dir, 'err.log'),
        timeoutMs: 60_000,
        onStdoutLine: (l) => lines.push(l),
      });
      expect(exit).toEqual({ kind: 'exited', exitCode: 5 });
      expect(lines).toEqual(['one', 'two']);
      expect(readFileSync(join(dir, 'err.log'), 'utf8')).toBe('oops\n');
      const missing = await runSupervised('lanes-no-such-program', [], {
        cwd: dir,
        stderrFile: join(dir, 'err.log'),
        timeoutMs: 60_000,
        onStdoutLine: () => undefined,
      });
      expect(missing).toEqual({ kind: 'not-found' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a terminal command that cannot start instead of hanging', async () => {
    await expect(execOnTerminal('lanes-no-such-program', [])).rejects.toThrow(
      'command not found: lanes-no-such-program',
    );
    await expect(execOnTerminal('sh', ['-c', 'exit 4'])).resolves.toBe(4);
  });

  it('gives each gateway its own base environment', async () => {
    const a = createGateway({ env: { PATH: process.env.PATH, WHO: 'a' } });
    const b = createGateway({ env: { PATH: process.env.PATH, WHO: 'b' } });
    const [ra, rb] = await Promise.all([
      a.exec('sh', ['-c', 'echo $WHO']),
      b.exec('sh', ['-c', 'echo $WHO'], { env: { EXTRA: 'x' } }),
    ]);
    expect([ra.stdout, rb.stdout]).toEqual(['a\n', 'b\n']);
    expect(b.environment({ WHO: undefined, EXTRA: 'x' })).toEqual({ PATH: process.env.PATH, EXTRA: 'x' });
  });
});

function failureOf(command: string) {
  return { command, exitCode: null, signal: null, stderrTail: '', timedOut: false, canceled: false };
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!done()) throw new Error('gave up waiting');
}
