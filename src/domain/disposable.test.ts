import { describe, expect, it } from 'vitest';
import { DEFAULT_DISPOSABLE, disposableMatcher } from './disposable.js';

describe('disposable files', () => {
  const isDisposable = disposableMatcher(DEFAULT_DISPOSABLE);

  it('treats dependency folders, build output and caches as regenerable, at any depth', () => {
    for (const p of [
      'node_modules/',
      'node_modules/x/index.js',
      'web/node_modules/',
      'dist/app.js',
      '.venv/',
      'pkg/__pycache__/m.pyc',
      'x.tsbuildinfo',
      'target/debug/app',
    ]) {
      expect(isDisposable(p), p).toBe(true);
    }
  });

  it('counts other ignored files as work', () => {
    for (const p of [
      '.env.production.local',
      'notes/todo.md',
      'notes/',
      'secrets.json',
      'distribution/readme',
      'my-node_modules-notes.txt',
    ]) {
      expect(isDisposable(p), p).toBe(false);
    }
  });

  it('anchors globs that contain a slash at the worktree root', () => {
    const m = disposableMatcher(['tmp/cache', 'logs/**/*.log']);
    expect(m('tmp/cache/a')).toBe(true);
    expect(m('src/tmp/cache/a')).toBe(false);
    expect(m('logs/a/b/c.log')).toBe(true);
    expect(m('logs/c.txt')).toBe(false);
  });

  it('takes regular-expression characters in globs literally', () => {
    const m = disposableMatcher(['a+b(1).txt']);
    expect(m('a+b(1).txt')).toBe(true);
    expect(m('aab1.txt')).toBe(false);
  });
});
