/**
 * A SigV4-signed XKS client for tests, the reliability suites and the benchmarks: one key store of
 * a running proxy, the request builders of `bodies.ts`, signed by `signXksRequest`, sent by the
 * runner's own `send` (node:http(s), every header under our control).
 */
import type { Agent as HttpAgent, IncomingHttpHeaders } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Credentials } from '@xkslab/sigv4';
import {
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
  type Sealed,
  XKS_API,
} from '../bodies.ts';
import { type Endpoint, headerText, send, type TlsSettings } from '../http-client.ts';
import { signXksRequest } from '../sign.ts';

/** Where a key store lives and how to sign for it. */
export type XksTarget = {
  port: number;
  /** The key store's URI path prefix, e.g. `/example/prefix` (may be empty). */
  prefix: string;
  region: string;
  credential: Credentials;
  /** Default 127.0.0.1. */
  hostname?: string | undefined;
  /** Default http:. */
  protocol?: 'http:' | 'https:' | undefined;
  /** Trust anchors and client certificate for https:. */
  tls?: TlsSettings | undefined;
};

/** An answer: status, content type, the body as text and (when it parses) as JSON. */
export type XksReply = {
  status: number;
  contentType: string | undefined;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
};

export type XksClientOptions = {
  /** A keep-alive agent; a fresh connection per request when absent or false. */
  agent?: HttpAgent | HttpsAgent | false | undefined;
  /** Default 10 s. */
  timeoutMs?: number | undefined;
  /** 'kms' signs host;x-amz-date as KMS does, 'curl' adds content-type (default 'kms'). */
  style?: 'kms' | 'curl' | undefined;
};

const DEFAULT_TIMEOUT_MS = 10_000;

/** The runner's Endpoint for a target (for `send` with requests built by hand). */
export function xksEndpoint(target: XksTarget): Endpoint {
  const hostname = target.hostname ?? '127.0.0.1';
  return {
    protocol: target.protocol ?? 'http:',
    hostname,
    port: target.port,
    host: `${hostname}:${target.port}`,
    basePath: `${target.prefix}${XKS_API}`,
    tls: target.tls ?? {},
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The fields of an encrypt answer that go back into a decrypt. */
export function sealedOf(reply: { json: unknown }): Sealed {
  const j = reply.json as Sealed;
  return {
    ciphertext: j.ciphertext,
    initializationVector: j.initializationVector,
    authenticationTag: j.authenticationTag,
    ...(j.ciphertextMetadata === undefined ? {} : { ciphertextMetadata: j.ciphertextMetadata }),
  };
}

/** An XKS client for one key store: signed health, metadata, encrypt and decrypt calls. */
export function xksClient(target: XksTarget, options: XksClientOptions = {}) {
  const endpoint = xksEndpoint(target);
  /** Signs `body` for `path` (with `credential`, default the target's) and POSTs it. */
  const post = async (
    path: string,
    body: object | string | Uint8Array,
    credential: Credentials = target.credential,
  ): Promise<XksReply> => {
    const req = signXksRequest({
      host: endpoint.host,
      path,
      body,
      credential,
      region: target.region,
      style: options.style,
    });
    const res = await send(endpoint, req, {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      agent: options.agent === false ? undefined : options.agent,
    });
    const text = res.body.toString('utf8');
    return {
      status: res.status,
      contentType: headerText(res.headers, 'content-type'),
      headers: res.headers,
      text,
      json: parseJson(text),
    };
  };
  return {
    endpoint,
    post,
    health: (credential?: Credentials) => post(healthPath(target), healthBody(), credential),
    metadata: (keyId: string, credential?: Credentials) =>
      post(keyPath(target, keyId, 'metadata'), metadataBody(), credential),
    encrypt: (keyId: string, plaintext: Uint8Array, aad?: Uint8Array, credential?: Credentials) =>
      post(keyPath(target, keyId, 'encrypt'), encryptBody({ plaintext, aad }), credential),
    decrypt: (keyId: string, sealed: Sealed, aad?: Uint8Array, credential?: Credentials) =>
      post(keyPath(target, keyId, 'decrypt'), decryptBody(sealed, aad), credential),
  };
}

export type XksClient = ReturnType<typeof xksClient>;
