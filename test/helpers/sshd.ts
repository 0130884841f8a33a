/**
 * A real OpenSSH server on a loopback port, for the SSH runner's tests: a throwaway host key and
 * client key (ssh-keygen), its own sshd_config (only that key, only 127.0.0.1, the current user),
 * and a client config naming it as a host alias with the known host key, which lanes is pointed at
 * through LANES_SSH_CONFIG (`ssh -F`). `sshd -D` runs as this process's child; `drop()` kills the
 * server and every connection it serves (a host that vanished from the network: the programs it
 * started live on), `restart()` brings it back on the same port.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p));

export interface TestSshd {
  /** The host alias the client config defines. */
  alias: string;
  /** The client config: LANES_SSH_CONFIG. */
  clientConfig: string;
  port: number;
  /** Runs a command on the "host" as lanes would reach it (for checks). */
  ssh(command: string): { code: number; stdout: string; stderr: string };
  /** Kills the server and every sshd process serving a connection. */
  drop(): void;
  restart(): Promise<void>;
  stop(): void;
}

export async function startSshd(dir: string): Promise<TestSshd> {
  if (!SSHD) throw new Error('sshd is not installed');
  mkdirSync(dir, { recursive: true });
  const user = userInfo().username;
  // sshd as root insists on its privilege separation folder.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  for (const key of [hostKey, clientKey])
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lanes-test', '-f', key]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  const port = await freePort();
  const serverConfig = join(dir, 'sshd_config');
  writeFileSync(
    serverConfig,
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${user}`,
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const alias = 'lanes-test-host';
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8')}`);
  const clientConfig = join(dir, 'ssh_config');
  writeFileSync(
    clientConfig,
    [
      `Host ${alias}`,
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      `  User ${user}`,
      `  IdentityFile ${clientKey}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
      '  StrictHostKeyChecking yes',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );

  let server: ChildProcess | undefined;
  const ssh = (command: string) => {
    const res = spawnSync(
      'ssh',
      ['-F', clientConfig, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', alias, command],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    return { code: res.status ?? 255, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
  };
  const launch = async () => {
    server = spawn(SSHD, ['-D', '-e', '-f', serverConfig], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    server.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 15_000;
    while (ssh('true').code !== 0) {
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error(`sshd did not start on port ${port}: ${log.trim()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await launch();
  const drop = () => {
    const master = server?.pid;
    if (!master) return;
    // Every sshd below the server (one per connection) goes too; the programs they started stay.
    for (const pid of [master, ...descendants(master).filter((p) => commOf(p) === 'sshd')]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    server = undefined;
  };
  return { alias, clientConfig, port, ssh, drop, restart: launch, stop: drop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Every process below `pid` (Linux /proc). */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // Exited meanwhile.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
