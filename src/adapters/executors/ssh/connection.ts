/**
 * How lanes reaches an SSH host: the system's `ssh` client with the user's own config, keys and
 * known_hosts, never asking for anything (BatchMode: a lane runs unattended), giving up on a host
 * that does not answer, and noticing a connection that dropped (ServerAlive*). `LANES_SSH_CONFIG`
 * names an ssh config file used instead of ~/.ssh/config (`ssh -F`): ssh reads ~/.ssh from the
 * passwd entry, not $HOME, so this is how tests and CI point lanes at a throwaway host alias.
 */
import { createHash } from 'node:crypto';
import { shellCommand } from '../../../domain/shell-quote.js';

export const SSH_CONFIG_VARIABLE = 'LANES_SSH_CONFIG';

export interface SshSettings {
  host: string;
  user?: string;
  port?: number;
  /** Where lanes works on the host. */
  path: string;
  /** The git remote the lane is pushed to, from which the host fetches it. */
  remote: string;
  env: Record<string, string>;
}

export const DEFAULT_REMOTE_PATH = '~/.lanes-runner';

/** The settings as configured (already checked by the config schema; checked again, as launch.json is a file). */
export function sshSettings(raw: Readonly<Record<string, unknown>>): SshSettings | string {
  const str = (k: string) => (typeof raw[k] === 'string' && raw[k] !== '' ? raw[k] : undefined);
  const host = str('host');
  if (!host) return 'host is missing';
  if (host.startsWith('-')) return `host ${JSON.stringify(host)} must not start with "-"`;
  const port = raw.port;
  if (port !== undefined && !(typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536))
    return 'port must be a number from 1 to 65535';
  const env: Record<string, string> = {};
  if (raw.env !== undefined) {
    if (typeof raw.env !== 'object' || raw.env === null) return 'env must be an object of strings';
    for (const [k, v] of Object.entries(raw.env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || typeof v !== 'string')
        return `env.${k} must be a variable name with a string value`;
      env[k] = v;
    }
  }
  const user = str('user');
  return {
    host,
    ...(user ? { user } : {}),
    ...(typeof port === 'number' ? { port } : {}),
    path: str('path') ?? DEFAULT_REMOTE_PATH,
    remote: str('remote') ?? 'origin',
    env,
  };
}

/** Options for every ssh call (also git's, for fetching from the host). */
export function sshOptions(env: Readonly<Record<string, string | undefined>>): string[] {
  const config = env[SSH_CONFIG_VARIABLE];
  return [
    ...(config ? ['-F', config] : []),
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=20',
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=3',
    // No terminal and no X11: an agent's output is a byte stream, not a screen.
    '-T',
    '-x',
  ];
}

/** `ssh` arguments that run `command` (a string the remote shell parses) on the host. */
export function sshArgs(
  settings: SshSettings,
  env: Readonly<Record<string, string | undefined>>,
  command: string,
): string[] {
  return [
    ...sshOptions(env),
    ...(settings.port ? ['-p', String(settings.port)] : []),
    ...(settings.user ? ['-l', settings.user] : []),
    '--',
    settings.host,
    command,
  ];
}

/** How messages name the host. */
export function hostLabel(settings: SshSettings): string {
  return `${settings.user ? `${settings.user}@` : ''}${settings.host}${settings.port ? `:${settings.port}` : ''}`;
}

/** git's URL for the clone on the host (`absPath` as the host's shell resolved it). */
export function gitUrl(settings: SshSettings, absPath: string): string {
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return `ssh://${settings.user ? `${encodeURIComponent(settings.user)}@` : ''}${host}${settings.port ? `:${settings.port}` : ''}${absPath}`;
}

/** git's `core.sshCommand`: a shell string git runs, so every word is quoted. */
export function gitSshCommand(env: Readonly<Record<string, string | undefined>>): string {
  return shellCommand(['ssh', ...sshOptions(env)]);
}

/**
 * The folder of a repository on the host: its remote's name and a hash of its URL, so two
 * repositories called `app` do not share a clone, and a person can still tell them apart.
 */
export function repoKey(url: string): string {
  const name =
    url
      .replace(/\/+$/, '')
      .replace(/\.git$/, '')
      .split(/[/:]/)
      .pop()
      ?.replace(/[^A-Za-z0-9._-]/g, '_') || 'repo';
  return `${name.replace(/^\.+/, '_')}-${createHash('sha256').update(url).digest('hex').slice(0, 10)}`;
}
