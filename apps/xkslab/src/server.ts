import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

export class ListenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListenError';
  }
}

export type FetchHandler = Parameters<typeof createAdaptorServer>[0]['fetch'];

/**
 * Starts listening; resolves with the bound address, rejects with a clear ListenError. `fetch` is
 * called per request, so the caller can bind the port before the rest of start-up is done.
 */
export function listen(
  fetch: FetchHandler,
  host: string,
  port: number,
): Promise<{ server: Server; address: AddressInfo }> {
  const server = createAdaptorServer({ fetch }) as Server;
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const reason =
        e.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use; pick another with --port`
          : e.code === 'EACCES'
            ? `no permission to listen on ${host}:${port}; use a port above 1023`
            : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
              ? `cannot listen on ${host}: no such local address`
              : `cannot listen on ${host}:${port} (${e.code ?? e.message})`;
      reject(new ListenError(reason, { cause: e }));
    });
    server.listen(port, host, () => resolve({ server, address: server.address() as AddressInfo }));
  });
}

/** Stops accepting, lets in-flight requests finish briefly, then drops idle keep-alive sockets. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
