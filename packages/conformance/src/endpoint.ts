import { XKS_API_SUFFIX } from '@xkslab/protocol';
import type { Endpoint, TlsSettings } from './http-client.ts';

/** The --url is not one the runner can use. */
export class ConformanceOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceOptionsError';
  }
}

/** Parses `http(s)://host[:port][/<prefix>]/kms/xks/v1` (no query, no trailing slash). */
export function parseEndpoint(url: string, tls: TlsSettings = {}): Endpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConformanceOptionsError(`--url ${JSON.stringify(url)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ConformanceOptionsError('--url must start with https:// or http://');
  }
  if (u.search || u.hash || u.username || u.password) {
    throw new ConformanceOptionsError('--url must not carry a query, a fragment or user info');
  }
  if (!u.pathname.endsWith(XKS_API_SUFFIX)) {
    throw new ConformanceOptionsError(
      `--url must end with ${XKS_API_SUFFIX} (the key store's URI path), e.g. https://xks.example.com/prefix${XKS_API_SUFFIX}`,
    );
  }
  const defaultPort = u.protocol === 'https:' ? 443 : 80;
  const port = u.port === '' ? defaultPort : Number(u.port);
  const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return {
    protocol: u.protocol,
    hostname,
    port,
    // §2.1: Host carries the port when it is not the scheme's default (as curl and KMS send it).
    host: u.port === '' ? u.hostname : `${u.hostname}:${u.port}`,
    basePath: u.pathname,
    tls,
  };
}
