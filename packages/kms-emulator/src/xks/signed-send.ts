/** Sends one XKS request as KMS does: SigV4 over `host;x-amz-date`, service `kms-xks-proxy` (§2.1). */
import { XKS_SIGV4_SERVICE } from '@xkslab/protocol';
import { type SigningKeyCache, signRequest } from '@xkslab/sigv4';
import type { XksProxySettings } from '../model.ts';
import { type XksTransport, XksTransportError } from './transport.ts';
import type { XksFailure } from './xks-failure.ts';

/** What sending needs: the transport, the clock for the signature, the deadline. */
export type SignedSendDeps = {
  transport: XksTransport;
  clock: () => Date;
  timeoutMs: number;
  sigv4Cache?: SigningKeyCache | undefined;
};

/** An HTTP answer (any status), or why none came. */
export type SendResult =
  | { ok: true; status: number; body: Uint8Array }
  | { ok: false; failure: XksFailure };

/** Signs and sends one request; a transport error comes back as an XksFailure. */
export async function sendSigned(
  deps: SignedSendDeps,
  target: { region: string; proxy: XksProxySettings },
  url: string,
  body: Uint8Array,
): Promise<SendResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, failure: { kind: 'unreachable', detail: 'the proxy URI is not a URL' } };
  }
  const headers: Record<string, string> = {
    host: parsed.host,
    'content-type': 'application/json',
  };
  const signed = signRequest(
    { method: 'POST', path: parsed.pathname, headers, body },
    { accessKeyId: target.proxy.accessKeyId, secretAccessKey: target.proxy.secretAccessKey },
    {
      region: target.region,
      service: XKS_SIGV4_SERVICE,
      now: deps.clock(),
      signedHeaders: ['host', 'x-amz-date'],
      ...(deps.sigv4Cache ? { cache: deps.sigv4Cache } : {}),
    },
  );
  try {
    const res = await deps.transport({
      url,
      headers: { ...headers, ...signed },
      body,
      timeoutMs: deps.timeoutMs,
    });
    return { ok: true, status: res.status, body: res.body };
  } catch (e) {
    return { ok: false, failure: failureOfTransportError(e) };
  }
}

/** The failure a transport error stands for: timeouts are retried, the rest are not. */
export function failureOfTransportError(e: unknown): XksFailure {
  if (e instanceof XksTransportError) {
    switch (e.code) {
      case 'TIMEOUT':
        return { kind: 'timeout' };
      case 'TLS':
        return { kind: 'tls', detail: e.message };
      case 'PROTOCOL':
        return { kind: 'invalid-response', detail: e.message };
      default:
        return { kind: 'unreachable', detail: e.message };
    }
  }
  return { kind: 'unreachable', detail: 'transport failed' };
}
