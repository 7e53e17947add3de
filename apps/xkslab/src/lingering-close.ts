import { type IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/**
 * How long a connection answered before its request body arrived keeps reading (RFC 9112 §9.6,
 * "lingering close"). 128 MiB: far above any real XKS or admin request, so even a client that
 * writes its whole body before reading gets the answer (test/oversized-body.test.ts sends 64 MiB);
 * past that, draining is a client making us spend CPU for nothing. 30 s overall and 5 s without a
 * byte are nginx's `lingering_time` and `lingering_timeout` defaults (Apache also stops at 30 s).
 * Past any bound the connection is closed: the answer has been written by then, but a client
 * still sending may then see a reset. The listener's request timeout (connection-limits.ts,
 * counted from the request's first byte) is one more such bound, and usually the first.
 */
export const LINGER_MAX_BYTES = 128 * 1024 * 1024;
export const LINGER_MAX_MS = 30_000;
export const LINGER_IDLE_MS = 5_000;

export type LingerBounds = { maxBytes: number; maxMs: number; idleMs: number };

const DEFAULT_BOUNDS: LingerBounds = {
  maxBytes: LINGER_MAX_BYTES,
  maxMs: LINGER_MAX_MS,
  idleMs: LINGER_IDLE_MS,
};

const closeSoon = Socket.prototype.destroySoon;

/**
 * An answer written before the request body has fully arrived (a body over a size cap, a refusal
 * before the body is read) must not reset the connection under the client, or the client may
 * never read the answer.
 *
 * Node's own close is the problem: for such an answer it either keeps the connection and reads
 * the body without bound, or, when the answer is the connection's last (the client sent
 * `Connection: close`, as node:http without an agent does), calls `socket.destroySoon()` as soon
 * as the answer is written (lib/_http_server.js `resOnFinish`). A socket closed with unread bytes
 * in its receive buffer makes the kernel send RST instead of FIN; the client, still writing its
 * body, gets EPIPE or ECONNRESET, and its own kernel may drop the answer it had not read yet.
 * A handler that stops reading leaves the socket paused, which stalls a client that writes the
 * whole body before reading until some timeout closes the connection the same way.
 *
 * So, when the head of such an answer is written: say `Connection: close`, read and discard the
 * rest of the body (within `bounds`), and replace the socket's `destroySoon` with a graceful
 * close: end the write side after the answer (FIN), keep reading until the body has ended or the
 * client closes its side, then close. Answering means the handler is done with the body.
 */
export function lingeringResponse(bounds: LingerBounds = DEFAULT_BOUNDS): typeof ServerResponse {
  return class LingeringResponse<
    Request extends IncomingMessage = IncomingMessage,
  > extends ServerResponse<Request> {
    override writeHead(statusCode: number, ...rest: unknown[]): this {
      if (bodyPending(this.req) && !this.headersSent && this.socket) {
        this.shouldKeepAlive = false;
        drainThenClose(this.req, this, this.socket as Socket, bounds);
      }
      return (super.writeHead as (statusCode: number, ...rest: unknown[]) => this)(
        statusCode,
        ...rest,
      );
    }
  };
}

/**
 * A request with a body whose end the parser has not seen. (A request without one is not yet
 * `complete` either while a synchronous handler answers it: the parser marks it after the
 * 'request' event.)
 */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function drainThenClose(
  req: IncomingMessage,
  res: ServerResponse,
  socket: Socket,
  bounds: LingerBounds,
): void {
  let drained = 0;
  let closing = false;
  const stop = () => {
    clearTimeout(overall);
    clearTimeout(idle);
    req.off('data', onData);
    req.off('end', close);
    socket.off('end', close);
  };
  // Once the body has ended, the client has closed its side, or a bound is reached: Node's own
  // close (FIN after what is written, then the socket is destroyed), never before the answer is
  // all written. Past a bound, bytes may still be unread: the client may see a reset then.
  function close() {
    if (closing) return;
    closing = true;
    stop();
    if (!req.readableEnded) req.pause();
    if (res.writableFinished) closeSoon.call(socket);
    else res.once('finish', () => closeSoon.call(socket));
  }
  function onData(chunk: Buffer) {
    drained += chunk.length;
    if (drained > bounds.maxBytes) close();
    else idle.refresh();
  }
  const overall = setTimeout(close, bounds.maxMs).unref();
  const idle = setTimeout(close, bounds.idleMs).unref();
  // Whatever listener the handler left behind stops receiving; the bytes are counted and dropped.
  req.removeAllListeners('data');
  req.on('data', onData);
  req.resume();
  req.once('end', close);
  socket.once('end', close);
  socket.once('close', stop);
  // Node calls this once the answer is written, for the connection's last answer: half-close
  // (FIN after the answer) and go on reading.
  socket.destroySoon = () => {
    if (!closing && socket.writable) socket.end();
  };
}
