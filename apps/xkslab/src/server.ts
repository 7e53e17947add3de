import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  createServer as createHttpsServer,
  type Server as HttpsServer,
  type ServerOptions as HttpsServerOptions,
} from 'node:https';
import type { AddressInfo } from 'node:net';
import { type createAdaptorServer, getRequestListener, RequestError } from '@hono/node-server';
import {
  applyConnectionLimits,
  type ConnectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  timeoutOptions,
} from './connection-limits.ts';
import { lingeringResponse } from './lingering-close.ts';
import { requireClientName, type TlsRefusal, watchHandshakes } from './tls/client-name-check.ts';
import { UserFacingError } from './user-facing-error.ts';

export class ListenError extends UserFacingError {
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
/** HTTPS instead of HTTP: node:https options (tls/tls-config.ts) and the optional mTLS name. */
export type ListenTls = {
  serverOptions: HttpsServerOptions;
  /** mTLS: the name (subject CN or SAN DNS) a client certificate must carry. */
  clientName?: string | undefined;
  /** Told about refused or failed TLS handshakes, for the log. */
  onRefused?: (refusal: TlsRefusal) => void;
};

export type AnyServer = Server | HttpsServer;

/**
 * How long an idle keep-alive connection stays open: 65 s, not Node's 5 s. A client that reuses a
 * connection just as the server closes it gets "socket hang up"; the reference proxy (hyper) keeps
 * idle connections open, and load balancers in front of proxies idle out at 60 s, so the server
 * should be the last to close. Slow or idle clients are bounded by connection-limits.ts.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

const jsonError = (status: number, errorName: string, errorMessage: string) =>
  new Response(JSON.stringify({ errorName, errorMessage }), {
    status,
    headers: { 'content-type': 'application/json' },
  });

/** The answer to a request that arrives while start-up is still running. */
export const startingAnswer = () =>
  jsonError(503, 'DependencyTimeoutException', 'xkslab is starting');

/**
 * Requests the adapter cannot turn into a Request never reach the app: a target that does not
 * start with '/' (`*`, an absolute URL), a backslash in the path, a missing or odd Host header.
 * The adapter's default is an empty 400, which KMS reads as a malformed answer; these get a spec
 * error body like every other answer (found by test/reliability/fuzz).
 */
function adapterError(e: unknown): Response {
  if (e instanceof RequestError) {
    return /host/i.test(e.message)
      ? jsonError(400, 'ValidationException', 'Missing or invalid Host header')
      : jsonError(404, 'InvalidUriPathException', 'No XKS API at this URI path');
  }
  return jsonError(500, 'InternalException', 'Internal error');
}

/** Which error body a listener answers with: XKS (also /ping), the admin API, or AWS KMS. */
export type ListenerErrors = 'xks' | 'admin' | 'kms';

const DUPLICATE_HOST = 'more than one Host header (RFC 9112 section 3.2); send exactly one';

/** The body of a 400 for a malformed request, in the listener's own error format. */
function badRequestBody(errors: ListenerErrors, message: string): string {
  switch (errors) {
    case 'admin':
      return JSON.stringify({ error: { code: 'VALIDATION_ERROR', message } });
    case 'kms':
      return JSON.stringify({ __type: 'ValidationException', message });
    default:
      return JSON.stringify({ errorName: 'ValidationException', errorMessage: message });
  }
}

/** How many Host headers a request carried: Node keeps one in `headers`, all in `rawHeaders`. */
function hostHeaderCount(req: IncomingMessage): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]?.toLowerCase() === 'host') count++;
  }
  return count;
}

/**
 * Refuses, before the application, what HTTP forbids and Node lets through: a request with more
 * than one Host header (Node keeps the first), which an intermediary may route by another one.
 */
function refuseMalformed(
  errors: ListenerErrors,
  next: (req: IncomingMessage, res: ServerResponse) => unknown,
) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (hostHeaderCount(req) > 1) {
      const body = badRequestBody(errors, DUPLICATE_HOST);
      res.writeHead(400, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        connection: 'close',
      });
      res.end(body);
      return;
    }
    void next(req, res);
  };
}

export function listen(
  fetch: FetchHandler,
  host: string,
  port: number,
): Promise<{ server: Server; address: AddressInfo }>;
export function listen(
  fetch: FetchHandler,
  host: string,
  port: number,
  tls: ListenTls | undefined,
  errors?: ListenerErrors,
  limits?: ConnectionLimits,
): Promise<{ server: AnyServer; address: AddressInfo }>;
export function listen(
  fetch: FetchHandler,
  host: string,
  port: number,
  tls?: ListenTls,
  errors: ListenerErrors = 'xks',
  limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
): Promise<{ server: AnyServer; address: AddressInfo }> {
  let server: AnyServer;
  // An answer sent before the request body has arrived (a body over a cap) is followed by a
  // lingering close (lingering-close.ts), for every listener. The adapter's own clean-up stays
  // off: it closes the connection 500 ms or 64 MiB after such an answer, under a client that may
  // still be sending.
  const requestListener = refuseMalformed(
    errors,
    getRequestListener(fetch, {
      errorHandler: adapterError,
      autoCleanupIncoming: false,
    }),
  );
  const ServerResponse = lingeringResponse();
  const timeouts = timeoutOptions(limits);
  if (tls) {
    const https = createHttpsServer(
      { ...tls.serverOptions, ...timeouts, ServerResponse },
      requestListener,
    );
    const onRefused = tls.onRefused ?? (() => {});
    if (tls.clientName) requireClientName(https, tls.clientName, onRefused);
    watchHandshakes(https, onRefused);
    server = https;
  } else {
    server = createHttpServer({ ...timeouts, ServerResponse }, requestListener);
  }
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  applyConnectionLimits(server, limits, tls !== undefined);
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
export function closeServer(server: AnyServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
