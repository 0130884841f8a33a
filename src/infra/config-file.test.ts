import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultConfig } from './config-defaults.js';
import { loadConfigFile } from './config-file.js';

// zod costs more start-up time than the rest of `lanes new`: a repository without a config file
// must never load it. Any import of zod in this file's module graph fails the test.
const loaded = vi.hoisted(() => ({ zod: false }));
vi.mock('zod', () => {
  loaded.zod = true;
  throw new Error('zod was loaded');
});

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('loadConfigFile', () => {
  it('gives the defaults without loading zod when there is no lanes.config.json', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lanes-config-'));
    await expect(loadConfigFile(dir)).resolves.toStrictEqual(defaultConfig());
    expect(loaded.zod).toBe(false);
  });

  it('loads the schema (and so zod) only when the file exists', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lanes-config-'));
    writeFileSync(join(dir, 'lanes.config.json'), '{}');
    await expect(loadConfigFile(dir)).rejects.toThrow();
    expect(loaded.zod).toBe(true);
  });

  it('names a file that is not JSON before anything is validated', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lanes-config-'));
    writeFileSync(join(dir, 'lanes.config.json'), '{ nope');
    await expect(loadConfigFile(dir)).rejects.toThrow(
      "lanes.config.json:1:3: not valid JSON (expected property name or '}')",
    );
  });
});
