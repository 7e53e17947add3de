import { buildGcmAad, EXTERNAL_KEY_ID_MAX } from '@xkslab/protocol';
import type { ActiveKeyStore } from '../../keystores/registry.ts';
import { nodeCdiv } from '../../node-sha256.ts';
import { XksError } from '../errors.ts';
import type { XksCrypto, XksDeps, XksOperation, XksRoute } from '../route.ts';
import { decryptRoute } from '../routes/decrypt.ts';
import { encryptRoute } from '../routes/encrypt.ts';
import { healthRoute } from '../routes/health.ts';
import { metadataRoute } from '../routes/metadata.ts';
import type { XksContext, XksIncoming } from './context.ts';

const KEY_ROUTES: Record<string, XksRoute> = {
  metadata: metadataRoute,
  encrypt: encryptRoute,
  decrypt: decryptRoute,
};

/** Every route by its operation (a call received by another process names its operation). */
export const ROUTES_BY_OPERATION: Readonly<Record<XksOperation, XksRoute>> = {
  GetHealthStatus: healthRoute,
  GetKeyMetadata: metadataRoute,
  Encrypt: encryptRoute,
  Decrypt: decryptRoute,
};

/** `<prefix>/kms/xks/v1/health` or `<prefix>/kms/xks/v1/keys/<externalKeyId>/<operation>`. */
const XKS_PATH = /^(.*)\/kms\/xks\/v1\/(?:health|keys\/([^/]*)\/(metadata|encrypt|decrypt))$/;

/** An XKS API path taken apart: the key store's URI path prefix, the key id and the route. */
export type XksPath = { prefix: string; keyId: string; route: XksRoute };

/** Parses an XKS API path; undefined for anything else. */
export function parseXksPath(path: string): XksPath | undefined {
  const match = XKS_PATH.exec(path);
  if (!match) return undefined;
  const opName = match[3];
  const prefix = match[1] ?? '';
  if (opName === undefined) return { prefix, keyId: '', route: healthRoute };
  return { prefix, keyId: match[2] ?? '', route: KEY_ROUTES[opName] as XksRoute };
}

/**
 * The module and the spec's constructions (§1.8): what every call computes with by default. The
 * CDIV is hashed with node:crypto (`nodeCdiv`, property-tested equal to the protocol package's).
 */
export function specCrypto(deps: XksDeps): XksCrypto {
  return { module: deps.vcm, gcmAad: buildGcmAad, cdiv: nodeCdiv };
}

export function noSuchPath(): XksError {
  return new XksError('InvalidUriPathException', 'No XKS API at this URI path');
}

/** The per-request context of a resolved path; its operation, key store and key go to the log. */
export function contextOf(
  incoming: XksIncoming,
  at: XksPath,
  keyStore: ActiveKeyStore,
  crypto: XksCrypto,
): XksContext {
  const { log } = incoming;
  log.operation = at.route.operation;
  log.keyStore = keyStore.name;
  if (at.keyId) log.keyId = loggedKeyId(at.keyId);
  // Named members rather than a spread of `incoming`: an object spread with members after it
  // is slower to build and to read, and every stage reads and writes this one.
  return {
    deps: incoming.deps,
    http: incoming.http,
    raw: incoming.raw,
    path: incoming.path,
    log,
    route: at.route,
    keyStore,
    keyId: at.keyId,
    crypto,
    body: EMPTY,
    now: NOT_YET,
    json: undefined,
    request: undefined,
  };
}

/**
 * The key id as the log line and the audit entry carry it: as sent, or its first 128 characters
 * (the spec's longest) and '...' when longer. It is logged before validation refuses it, so an
 * unauthenticated client would otherwise set the size of the lines it causes, up to Node's 16 KiB
 * header limit.
 */
function loggedKeyId(keyId: string): string {
  return keyId.length > EXTERNAL_KEY_ID_MAX ? `${keyId.slice(0, EXTERNAL_KEY_ID_MAX)}...` : keyId;
}

const EMPTY = new Uint8Array(0);
/** Placeholder until the sigv4 stage reads the clock (the clock is read once per request). */
const NOT_YET = new Date(0);

/** Stage `resolve`: finds the key store by URI path prefix and the operation, or refuses. */
export function resolveStage(deps: XksDeps): (incoming: XksIncoming) => XksContext {
  const crypto = specCrypto(deps);
  return (incoming) => {
    const at = parseXksPath(incoming.path);
    const keyStore = at ? deps.registry.byUriPathPrefix(at.prefix) : undefined;
    if (!at || !keyStore) throw noSuchPath();
    return contextOf(incoming, at, keyStore, crypto);
  };
}
