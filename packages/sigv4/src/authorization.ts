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
  const cut = value.length - SIGNATURE_HEX_LENGTH;
  const head = lastHead;
  if (head !== undefined && cut === head.text.length && value.startsWith(head.text)) {
    const signature = value.slice(cut);
    return SIGNATURE.test(signature) ? withSignature(head.parsed, signature) : undefined;
  }
  const parsed = parseWhole(value);
  if (parsed !== undefined && value.endsWith(`Signature=${parsed.signature}`)) {
    // A copy: the caller owns the returned object and its SignedHeaders list.
    lastHead = { text: value.slice(0, cut), parsed: withSignature(parsed, parsed.signature) };
  }
  return parsed;
}

/**
 * The text before the signature of the last header parsed that ended in `Signature=<64 hex>`,
 * and its result. A client signs call after call with the same credential and signed headers,
 * so only the signature changes; that text followed by 64 lower-case hex characters parses to
 * the same result with that signature, and followed by anything else to undefined (the 64
 * characters hold no comma or space, so the components split and trim as before).
 */
let lastHead: { text: string; parsed: ParsedAuthorization } | undefined;

function withSignature(parsed: ParsedAuthorization, signature: string): ParsedAuthorization {
  return {
    accessKeyId: parsed.accessKeyId,
    date: parsed.date,
    region: parsed.region,
    service: parsed.service,
    signedHeaders: parsed.signedHeaders.slice(),
    signature,
  };
}

function parseWhole(value: string): ParsedAuthorization | undefined {
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
    signedHeaders: names,
    signature,
  };
}

type Scope = { accessKeyId: string; date: string; region: string; service: string };

function parseScope(credential: string): Scope | undefined {
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
  return { accessKeyId, date, region, service };
}

function parseSignedHeaders(signedHeaders: string): string[] | undefined {
  const names = signedHeaders.split(';');
  return names.every((name) => HEADER_NAME.test(name)) ? names : undefined;
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
