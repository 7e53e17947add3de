import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';

/**
 * What one listener allows its clients: how long a request's head and body may take to arrive
 * (a silent connection included), and how many connections may be open at once.
 *
 * KMS gives an XKS call 250 ms in all; a request that takes seconds to arrive is no KMS call but
 * a client holding a connection (Node's own default lets a body sent at 1 byte/s hold it for
 * 300 s, before any authentication). 5 s leaves room for a large admin upload over a slow link.
 * The cap bounds what slow or idle clients can hold; past it, new connections are closed at once.
 */
export type ConnectionLimits = { requestTimeoutMs: number; maxConnections: number };

export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_CONNECTIONS = 1024;
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
};

/**
 * How often Node looks for requests past their timeout (its default, 30 s, would let a slow
 * request live up to 30 s past it).
 */
const CHECK_INTERVAL_MS = 250;

/** node:http (and node:https) server options for `limits`. */
export function timeoutOptions(limits: ConnectionLimits) {
  return {
    // The head and the whole request share one deadline, counted from the request's first byte.
    headersTimeout: limits.requestTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(CHECK_INTERVAL_MS, limits.requestTimeoutMs),
    // TLS: the handshake too (Node's default is 120 s).
    handshakeTimeout: limits.requestTimeoutMs,
  };
}

/**
 * The cap, and the deadline of a connection that sends nothing: Node starts a request's timer
 * at its first byte, so a connection that never sends one would stay open until the client
 * leaves. Such a connection is closed when its first request has not arrived within the
 * timeout (over TLS, counted from the end of the handshake, which has its own timeout).
 */
export function applyConnectionLimits(
  server: Server | HttpsServer,
  limits: ConnectionLimits,
  tls: boolean,
): void {
  server.maxConnections = limits.maxConnections;
  const waiting = new WeakMap<Socket, NodeJS.Timeout>();
  const onConnection = (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), limits.requestTimeoutMs);
    timer.unref();
    waiting.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  };
  server.on(tls ? 'secureConnection' : 'connection', onConnection);
  server.on('request', (req) => {
    const timer = waiting.get(req.socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    waiting.delete(req.socket);
  });
}
