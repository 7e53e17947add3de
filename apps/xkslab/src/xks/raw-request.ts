import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';

/** The request exactly as it arrived: SigV4 is verified over these bytes, never a parsed copy. */
export type RawRequest = {
  method: string;
  /** The request target as sent (path and query), never normalized. */
  target: string;
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
};

export type BodyResult = { ok: true; body: Uint8Array } | { ok: false };

/**
 * The client closed its connection (or reset it) before its request body ended: no call to
 * answer, and nothing the proxy did wrong.
 */
export class ClientAbortError extends Error {
  readonly code = 'CLIENT_ABORTED';
  constructor(options?: { cause?: unknown }) {
    super('the client closed the connection before the body ended', options);
    this.name = 'ClientAbortError';
  }
}

/** The raw request line and headers: from Node's IncomingMessage when served over a socket. */
export function rawRequestOf(c: Context): RawRequest {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (incoming?.url !== undefined) {
    // headersDistinct keeps repeated headers apart, so SigV4 joins them with ',' as AWS does.
    return { method: c.req.method, target: incoming.url, headers: incoming.headersDistinct };
  }
  const url = new URL(c.req.url);
  const headers: IncomingHttpHeaders = {};
  c.req.raw.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { method: c.req.method, target: url.pathname + url.search, headers };
}

/**
 * Reads the whole body, refusing (without buffering it) anything over `maxBytes`. A refused body
 * is left where it is, neither read further nor destroyed: destroying the request would reset
 * the connection before the answer goes out; the server drains it after answering
 * (lingering-close.ts).
 */
export async function readBodyCapped(c: Context, maxBytes: number): Promise<BodyResult> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) return { ok: false };
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (incoming) return readStreamCapped(incoming, maxBytes);
  const stream = c.req.raw.body;
  if (!stream) return { ok: true, body: new Uint8Array(0) };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > maxBytes) return { ok: false };
    chunks.push(chunk);
  }
  return { ok: true, body: joined(chunks) };
}

function joined(chunks: Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

/** Node's request stream, with listeners: leaving a `for await` early would destroy it. */
function readStreamCapped(incoming: Readable, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const settle = (done: () => void) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      done();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        incoming.pause();
        settle(() => resolve({ ok: false }));
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => settle(() => resolve({ ok: true, body: joined(chunks) }));
    // Node's request stream fails only when the connection does ('aborted', ECONNRESET).
    const onError = (e: Error) => settle(() => reject(new ClientAbortError({ cause: e })));
    const onClose = () => settle(() => reject(new ClientAbortError()));
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    if (incoming.readableEnded) onEnd();
  });
}
