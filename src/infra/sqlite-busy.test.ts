import { describe, expect, it } from 'vitest';
import { retryWhileBusy } from './sqlite-busy.js';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

describe('retrying a SQLite call that met SQLITE_BUSY at once', () => {
  it('retries until the call succeeds', () => {
    let calls = 0;
    const value = retryWhileBusy(() => {
      if (++calls < 3) throw busy();
      return 'ok';
    }, 5_000);
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });

  it('recognises a busy error wrapped as the cause of another (the state store maps them)', () => {
    let calls = 0;
    retryWhileBusy(() => {
      if (++calls < 2) throw new Error('state database is locked', { cause: busy() });
    }, 5_000);
    expect(calls).toBe(2);
  });

  it('does not retry any other error', () => {
    let calls = 0;
    expect(() =>
      retryWhileBusy(() => {
        calls++;
        throw Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' });
      }, 5_000),
    ).toThrow('file is not a database');
    expect(calls).toBe(1);
  });

  it('gives up once the busy timeout is spent', () => {
    let calls = 0;
    expect(() =>
      retryWhileBusy(() => {
        calls++;
        throw busy();
      }, 100),
    ).toThrow('database is locked');
    expect(calls).toBeGreaterThan(1);
  });
});
