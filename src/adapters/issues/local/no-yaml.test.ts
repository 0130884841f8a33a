import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { localIssueSource } from './index.js';

// The yaml package costs ~100 ms of start-up: reading the usual issue files must not load it.
const loaded = vi.hoisted(() => ({ yaml: false }));
vi.mock('yaml', () => {
  loaded.yaml = true;
  throw new Error('yaml was loaded');
});

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('local issues without the yaml package', () => {
  it('reads the front matter lanes issue add writes without loading yaml', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lanes-issues-'));
    mkdirSync(join(dir, 'issues'));
    writeFileSync(
      join(dir, 'issues', '7-add-login.md'),
      '---\ntitle: Add login page\nlabels:\n  - feature\n  - ui\n---\n\nBody.\n',
    );
    const issue = await localIssueSource(dir, 'issues').getIssue('7');
    expect(issue).toMatchObject({ id: '7', title: 'Add login page', labels: ['feature', 'ui'], body: 'Body.' });
    expect(loaded.yaml).toBe(false);
  });

  it('loads yaml for front matter outside the simple subset', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lanes-issues-'));
    mkdirSync(join(dir, 'issues'));
    writeFileSync(join(dir, 'issues', '8.md'), '---\ntitle: >\n  folded\n---\n');
    await expect(localIssueSource(dir, 'issues').getIssue('8')).rejects.toThrow();
    expect(loaded.yaml).toBe(true);
  });
});
