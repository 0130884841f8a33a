/**
 * What some tests need beyond Node and git (tmux, PostgreSQL, the real agent CLIs), and the one
 * rule for when it is missing: on a developer's machine the tests skip, with one line saying what
 * to install; under CI (CI=true, where .ci/run installs everything) a missing tool is an error,
 * so CI can never pass by skipping.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findPgBinDir } from './pg-cluster.js';
import { ROOT } from './repo.js';

const underCi = /^(1|true|yes)$/i.test(process.env.CI ?? '');
const warned = new Set<string>();

/** True when the tests needing `what` must skip; throws under CI instead. */
export function missing(what: string, available: boolean, install: string): boolean {
  if (available) return false;
  if (underCi) throw new Error(`${what} is not installed, and CI runs every test: ${install} (.ci/run installs it)`);
  if (!warned.has(what)) {
    warned.add(what);
    console.warn(`skipping tests that need ${what}: install it with ${install}`);
  }
  return true;
}

function runs(command: string, args: string[]): boolean {
  const res = spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 });
  return res.status === 0;
}

export const AGENTS_BIN = join(ROOT, 'test', 'agents', 'node_modules', '.bin');

/** tmux, for the tmux runner and `lanes attach`. */
export function tmuxMissing(): boolean {
  return missing('tmux', runs('tmux', ['-V']), 'apt-get install tmux (macOS: brew install tmux)');
}

/** The pinned agent CLIs in test/agents (Claude Code, Codex, Gemini CLI, opencode). */
export function agentsMissing(): boolean {
  const installed = ['claude', 'codex', 'gemini', 'opencode'].every((cli) => existsSync(join(AGENTS_BIN, cli)));
  return missing('the real agent CLIs', installed, 'npm ci --prefix test/agents');
}

/** PostgreSQL's server programs (initdb, pg_ctl); their folder, or undefined when the tests skip. */
export async function postgresBin(): Promise<string | undefined> {
  const bin = await findPgBinDir();
  missing(
    'PostgreSQL (initdb under /usr/lib/postgresql/*/bin or pg_config --bindir)',
    bin !== undefined,
    'apt-get install postgresql (macOS: brew install postgresql)',
  );
  return bin;
}

/** An OpenSSH server (sshd) and client, for the SSH runner: the tests start their own on a loopback port. */
export function sshdMissing(): boolean {
  const server = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/usr/bin/sshd'].some((p) => existsSync(p));
  return missing(
    'an OpenSSH server and client (sshd, ssh, ssh-keygen)',
    server && runs('ssh', ['-V']),
    'apt-get install openssh-server openssh-client (macOS: the system has them)',
  );
}

/** Chromium for the dashboard's browser test (playwright-core drives the system's browser); its path. */
export function chromiumPath(): string | undefined {
  const found = [process.env.LANES_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (p): p is string => p !== undefined && p !== '' && existsSync(p),
  );
  missing('Chromium', found !== undefined, 'apt-get install chromium (macOS: set LANES_CHROMIUM to a Chrome binary)');
  return found;
}
