import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEnvironmentFile, parseLaunchSpec, readLaunchSpec } from './launch-spec.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanes-launch-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const spec = {
  commonDir: '/repo/.git',
  runId: 3,
  lane: 'issue-1',
  adapter: 'claude',
  model: null,
  timeoutMs: 1000,
  phase: 'implement',
  branch: 'issue-1',
  launch: {
    file: 'claude',
    args: ['-p'],
    cwd: '/w',
    env: { A: 'b' },
    stdin: { file: '/r/prompt.md' },
    files: [{ path: '/r/x.json', content: '{}' }],
  },
};

describe('reading launch.json', () => {
  it('accepts the launch lanes start writes', () => {
    writeFileSync(join(dir, 'launch.json'), JSON.stringify(spec));
    expect(readLaunchSpec(dir)).toEqual({ ok: true, spec });
    expect(parseLaunchSpec(JSON.stringify(spec))).toEqual(spec);
  });

  it('names the first field that is wrong, and the run to fail when it is known', () => {
    writeFileSync(join(dir, 'launch.json'), JSON.stringify({ ...spec, timeoutMs: -1 }));
    expect(readLaunchSpec(dir)).toEqual({
      ok: false,
      problem: `${join(dir, 'launch.json')} is not a valid launch: timeoutMs must be a positive number of milliseconds`,
      target: { commonDir: '/repo/.git', runId: 3, lane: 'issue-1' },
    });
    writeFileSync(join(dir, 'launch.json'), JSON.stringify({ ...spec, runId: 'three' }));
    expect(readLaunchSpec(dir)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/runId must be a positive whole number$/),
      target: undefined,
    });
    expect(() => parseLaunchSpec(JSON.stringify({ ...spec, launch: { ...spec.launch, stdin: 'open' } }))).toThrow(
      'not a valid launch: launch.stdin must be "closed" or { "file": path }',
    );
  });

  it('says when launch.json is missing', () => {
    expect(readLaunchSpec(dir)).toEqual({
      ok: false,
      problem: `cannot read ${join(dir, 'launch.json')}: it does not exist`,
      target: undefined,
    });
  });
});

describe('reading env.json', () => {
  it('accepts an object of strings and names a variable that is not one', () => {
    expect(parseEnvironmentFile('{"PATH":"/bin","HOME":"/h"}', 'env.json')).toEqual({
      env: { PATH: '/bin', HOME: '/h' },
    });
    expect(parseEnvironmentFile('{"PATH":1}', 'env.json')).toEqual({
      problem: 'env.json: variable "PATH" must be a string',
    });
    expect(parseEnvironmentFile('["PATH"]', 'env.json')).toEqual({
      problem: 'env.json must hold an object of variable names to strings',
    });
    expect(parseEnvironmentFile('{', 'env.json')).toMatchObject({
      problem: expect.stringMatching(/^env\.json is not JSON \(/),
    });
  });
});
