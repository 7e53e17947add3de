/**
 * How the emulator reaches XKS proxies: a function from request to response, injected, so unit
 * tests answer in-process and the binary uses node:http / node:https (nodeTransport).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { XKS_MAX_RESPONSE_BYTES } from '../constants.ts';

export type XksHttpRequest = {
  url: string;
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
  /** The whole exchange (connect, send, receive) must finish within this. */
  timeoutMs: number;
};

export type XksHttpResponse = { status: number; body: Uint8Array };

/** Why no response came back: what KMS tells apart (§1.7 last row, §5 connection error codes). */
export type TransportFailure = 'TIMEOUT' | 'UNREACHABLE' | 'TLS' | 'PROTOCOL';

export class XksTransportError extends Error {
  readonly code: TransportFailure;
  constructor(code: TransportFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'XksTransportError';
    this.code = code;
  }
}

/** POSTs a request; rejects with XksTransportError when no HTTP response arrives in time. */
export type XksTransport = (request: XksHttpRequest) => Promise<XksHttpResponse>;

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

function classify(e: unknown): XksTransportError {
  const code = e instanceof Error && 'code' in e ? String(e.code) : '';
  if (TLS_CODES.test(code) || (e instanceof Error && /SSL|TLS|certificate/i.test(e.message))) {
    return new XksTransportError('TLS', `TLS handshake with the proxy failed (${code})`, {
      cause: e,
    });
  }
  return new XksTransportError('UNREACHABLE', `cannot reach the proxy (${code || 'error'})`, {
    cause: e,
  });
}

export type NodeTransportOptions = {
  /** Extra trusted CA certificates (PEM) for https proxies, e.g. xkslab's own test CA. */
  ca?: string | Buffer | undefined;
  /**
   * A client certificate and key (PEM) for proxies that require mTLS; AWS KMS presents one with
   * CN cks.kms.<region>.amazonaws.com.
   */
  clientCert?: string | Buffer | undefined;
  clientKey?: string | Buffer | undefined;
};

/** The real transport: keep-alive agents, a deadline over the whole exchange, a response cap. */
export function nodeTransport(options: NodeTransportOptions = {}): XksTransport {
  const httpAgent = new HttpAgent({ keepAlive: true });
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.clientCert === undefined ? {} : { cert: options.clientCert }),
    ...(options.clientKey === undefined ? {} : { key: options.clientKey }),
  });
  return (req) =>
    new Promise((resolve, reject) => {
      const url = new URL(req.url);
      const secure = url.protocol === 'https:';
      const send = secure ? httpsRequest : httpRequest;
      const headers = { ...req.headers, 'content-length': String(req.body.length) };
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const outgoing = send(url, {
        method: 'POST',
        headers,
        agent: secure ? httpsAgent : httpAgent,
      });
      const timer = setTimeout(() => {
        finish(() =>
          reject(new XksTransportError('TIMEOUT', `no answer within ${req.timeoutMs} ms`)),
        );
        outgoing.destroy();
      }, req.timeoutMs);
      outgoing.on('error', (e) => finish(() => reject(classify(e))));
      outgoing.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > XKS_MAX_RESPONSE_BYTES) {
            finish(() => reject(new XksTransportError('PROTOCOL', 'proxy response is too large')));
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (e) => finish(() => reject(classify(e))));
        res.on('end', () =>
          finish(() =>
            resolve({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) }),
          ),
        );
      });
      outgoing.end(req.body);
    });
}
