import type { Socket } from 'node:net';
import type { TLSSocket, Server as TlsServer } from 'node:tls';
import { certificateHasName, describeCertificate } from './certificate-checks.ts';

/** Why a TLS client was turned away, for the log (never certificate contents beyond the subject). */
export type TlsRefusal = {
  reason: string;
  code?: string | undefined;
  subject?: string | undefined;
};

/**
 * mTLS subject check. OpenSSL (requestCert + rejectUnauthorized) already refused a client without
 * a certificate (with a handshake alert) or with one that does not chain to the CA (Node closes
 * the socket right after the handshake). This check runs at the same moment, before any other
 * 'secureConnection' listener, so before HTTP reads a byte: a client whose certificate carries
 * neither the required CN nor a SAN DNS name equal to `name` is disconnected. Node offers no way
 * to send a TLS alert from here, so the client sees the connection closed (TLS 1.3 clients have
 * finished their side of the handshake by then; they notice on their first read or write).
 */
export function requireClientName(
  server: TlsServer,
  name: string,
  onRefused: (refusal: TlsRefusal) => void,
): void {
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    const cert = socket.getPeerX509Certificate();
    if (cert && certificateHasName(cert, name)) return;
    onRefused({
      reason: `client certificate does not carry the name ${name}`,
      subject: cert ? describeCertificate(cert) : undefined,
    });
    socket.destroy();
  });
}

/**
 * Reports TLS connections that never got to HTTP. OpenSSL's refusals arrive as 'tlsClientError'
 * (no client certificate: ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE; no shared suite or version;
 * plain HTTP on the TLS port). A client certificate that does not chain to the mTLS CA is another
 * matter: Node closes that socket itself and tells no one, so a connection that closes before its
 * handshake completed, with no error reported, is reported as such (this also covers clients that
 * simply hang up, such as TCP probes). Sockets are matched by remote address and port.
 */
export function watchHandshakes(server: TlsServer, onRefused: (refusal: TlsRefusal) => void): void {
  const open = new Map<string, { done: boolean }>();
  const keyOf = (s: { remoteAddress?: string | undefined; remotePort?: number | undefined }) =>
    `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`;
  server.prependListener('connection', (raw: Socket) => {
    const key = keyOf(raw);
    const state = { done: false };
    open.set(key, state);
    raw.once('close', () => {
      if (open.get(key) === state) open.delete(key);
      if (!state.done) {
        onRefused({
          reason:
            'connection closed before the TLS handshake completed (a client certificate the mTLS CA does not vouch for, or a client that hung up)',
        });
      }
    });
  });
  const settle = (s: TLSSocket) => {
    const state = open.get(keyOf(s));
    if (state) state.done = true;
  };
  server.prependListener('secureConnection', settle);
  server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => {
    const code = error.code ?? error.message;
    // A reset seen after the connection already closed (and was reported) adds nothing.
    const reported = !open.has(keyOf(socket));
    settle(socket);
    if (!(reported && (code === 'ECONNRESET' || code === 'EPIPE'))) {
      onRefused({ reason: 'TLS handshake failed', code });
    }
    socket.destroy();
  });
}
