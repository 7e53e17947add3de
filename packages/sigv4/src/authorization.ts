import { SIGNATURE_HEX_LENGTH, SIGV4_ALGORITHM, SIGV4_TERMINATOR } from './constants.ts';

export type ParsedAuthorization = {
  accessKeyId: string;
  /** YYYYMMDD from the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  /** 64 lower-case hex characters. */
  signature: string;
};

const SCOPE_DATE = /^\d{8}$/;
/** A lower-case RFC 9110 token: what a header name in SignedHeaders may be. */
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const SIGNATURE = new RegExp(`^[0-9a-f]{${SIGNATURE_HEX_LENGTH}}$`);

function trimSpaces(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) === 0x20) end--;
  return s.slice(start, end);
}

/**
 * Parses 'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms-xks-proxy/aws4_request,
 * SignedHeaders=host;x-amz-date, Signature=<64 hex>' (one line). Spaces around the commas are
 * optional, as AWS accepts; the three components may come in any order, each exactly once.
 * Returns undefined for anything malformed, including another algorithm or scope terminator.
 */
export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  if (!value.startsWith(`${SIGV4_ALGORITHM} `)) return undefined;
  const parts = value.slice(SIGV4_ALGORITHM.length + 1).split(',');
  if (parts.length !== 3) return undefined;
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  for (const raw of parts) {
    const part = trimSpaces(raw);
    const eq = part.indexOf('=');
    if (eq === -1) return undefined;
    const key = part.slice(0, eq);
    const v = part.slice(eq + 1);
    if (key === 'Credential' && credential === undefined) credential = v;
    else if (key === 'SignedHeaders' && signedHeaders === undefined) signedHeaders = v;
    else if (key === 'Signature' && signature === undefined) signature = v;
    else return undefined;
  }
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    return undefined;
  }
  const scope = parseScope(credential);
  if (scope === undefined) return undefined;
  const names = parseSignedHeaders(signedHeaders);
  if (names === undefined) return undefined;
  if (!SIGNATURE.test(signature)) return undefined;
  return {
    accessKeyId: scope.accessKeyId,
    date: scope.date,
    region: scope.region,
    service: scope.service,
    signedHeaders: names.slice(),
    signature,
  };
}

type Scope = { accessKeyId: string; date: string; region: string; service: string };

/**
 * The last Credential and SignedHeaders values parsed, with their results: a client signs request
 * after request with the same ones (only the signature changes), so each is parsed once.
 */
let lastScope: { text: string; scope: Scope | undefined } = { text: '', scope: undefined };
let lastNames: { text: string; names: readonly string[] | undefined } = {
  text: '',
  names: undefined,
};

function parseScope(credential: string): Scope | undefined {
  if (credential !== lastScope.text) {
    lastScope = { text: credential, scope: parseScopeUncached(credential) };
  }
  return lastScope.scope;
}

function parseScopeUncached(credential: string): Scope | undefined {
  const scope = credential.split('/');
  if (scope.length !== 5) return undefined;
  const [accessKeyId, date, region, service, terminator] = scope;
  if (
    accessKeyId === undefined ||
    accessKeyId === '' ||
    date === undefined ||
    !SCOPE_DATE.test(date) ||
    region === undefined ||
    region === '' ||
    service === undefined ||
    service === '' ||
    terminator !== SIGV4_TERMINATOR
  ) {
    return undefined;
  }
  return Object.freeze({ accessKeyId, date, region, service });
}

function parseSignedHeaders(signedHeaders: string): readonly string[] | undefined {
  if (signedHeaders !== lastNames.text) {
    const names = signedHeaders.split(';');
    const ok = names.every((name) => HEADER_NAME.test(name));
    lastNames = { text: signedHeaders, names: ok ? Object.freeze(names) : undefined };
  }
  return lastNames.names;
}

/** The Authorization header value for a computed signature. */
export function formatAuthorization(
  accessKeyId: string,
  scope: string,
  signedHeaders: readonly string[],
  signatureHex: string,
): string {
  return `${SIGV4_ALGORITHM} Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signatureHex}`;
}
