import { describe, expect, it } from 'vitest';
import { gitSshCommand, gitUrl, repoKey, sshArgs, sshSettings } from './connection.js';

describe('ssh connection settings', () => {
  it('reads the runner settings with their defaults and refuses a host that would be an option', () => {
    expect(sshSettings({ type: 'ssh', host: 'box' })).toEqual({
      host: 'box',
      path: '~/.lanes-runner',
      remote: 'origin',
      env: {},
    });
    expect(sshSettings({ host: '-oProxyCommand=x' })).toBe('host "-oProxyCommand=x" must not start with "-"');
    expect(sshSettings({ host: 'box', port: 0 })).toBe('port must be a number from 1 to 65535');
    expect(sshSettings({ host: 'box', env: { 'A B': 'x' } })).toBe(
      'env.A B must be a variable name with a string value',
    );
  });

  it('never prompts, gives up on a silent host, notices a dropped connection, and ends options before the host', () => {
    const settings = sshSettings({ host: 'box', user: 'me', port: 2222 });
    if (typeof settings === 'string') throw new Error(settings);
    const args = sshArgs(settings, { LANES_SSH_CONFIG: '/c/ssh config' }, 'exec sh -c true');
    expect(args.slice(0, 2)).toEqual(['-F', '/c/ssh config']);
    for (const o of ['BatchMode=yes', 'ConnectTimeout=20', 'ServerAliveInterval=15', 'ServerAliveCountMax=3'])
      expect(args).toContain(o);
    expect(args.slice(-7, -1)).toEqual(['-p', '2222', '-l', 'me', '--', 'box']);
    expect(args.at(-1)).toBe('exec sh -c true');
    expect(gitUrl(settings, '/srv/x/clone.git')).toBe('ssh://me@box:2222/srv/x/clone.git');
    expect(gitSshCommand({ LANES_SSH_CONFIG: '/c/ssh config' })).toMatch(/^ssh -F '\/c\/ssh config' -o BatchMode=yes/);
  });

  it('names a repository folder by its remote and a hash of the URL', () => {
    expect(repoKey('git@github.com:acme/app.git')).toMatch(/^app-[0-9a-f]{10}$/);
    expect(repoKey('git@github.com:acme/app.git')).not.toBe(repoKey('git@github.com:other/app.git'));
    expect(repoKey('/srv/../..')).not.toMatch(/^\./);
  });
});
