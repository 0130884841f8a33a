/**
 * Whether anything listens on a TCP port of this machine. A port counts as taken when binding it
 * fails on 127.0.0.1, 0.0.0.0 or ::1 (a server bound to any of them would clash with the lane's).
 */
import { createServer } from 'node:net';

const HOSTS = ['127.0.0.1', '0.0.0.0', '::1'] as const;

function bindFails(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      // No IPv6 on this machine: nothing can listen on ::1, so it does not make the port taken.
      resolve(!(err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT'));
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(false));
    });
  });
}

export async function isPortInUse(port: number): Promise<boolean> {
  for (const host of HOSTS) {
    if (await bindFails(port, host)) return true;
  }
  return false;
}
