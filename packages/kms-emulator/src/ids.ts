/** Identifiers: UUIDs from the injected random source, key store ids, ARNs and key references. */

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An RFC 9562 version 4 UUID from 16 random bytes. */
export function uuidFrom(random: (n: number) => Uint8Array): string {
  const b = random(16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}

/** The 16 bytes of a UUID. */
export function uuidToBytes(id: string): Uint8Array {
  return new Uint8Array(Buffer.from(id.replace(/-/g, ''), 'hex'));
}

export function uuidFromBytes(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A custom key store id as KMS makes them: `cks-` and 17 hex digits. */
export function customKeyStoreIdFrom(random: (n: number) => Uint8Array): string {
  return `cks-${Buffer.from(random(9)).toString('hex').slice(0, 17)}`;
}

export type Account = { region: string; accountId: string };

export function keyArn(account: Account, keyId: string): string {
  return `arn:aws:kms:${account.region}:${account.accountId}:key/${keyId}`;
}

export function aliasArn(account: Account, aliasName: string): string {
  return `arn:aws:kms:${account.region}:${account.accountId}:${aliasName}`;
}

/** What a KeyId parameter names: a key (by id or ARN) or an alias (by name or ARN). */
export type KeyReference =
  | { kind: 'key'; keyId: string }
  | { kind: 'alias'; aliasName: string }
  | { kind: 'invalid'; reason: 'other-account' | 'malformed' };

const ARN_PATTERN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key\/.+|alias\/.+)$/;

/** Parses a KeyId parameter (key id, key ARN, alias name or alias ARN) for one account. */
export function parseKeyReference(account: Account, text: string): KeyReference {
  if (text.startsWith('alias/')) return { kind: 'alias', aliasName: text };
  if (text.startsWith('arn:')) {
    const match = ARN_PATTERN.exec(text);
    if (!match) return { kind: 'invalid', reason: 'malformed' };
    if (match[1] !== account.region || match[2] !== account.accountId) {
      return { kind: 'invalid', reason: 'other-account' };
    }
    const resource = match[3] ?? '';
    return resource.startsWith('key/')
      ? { kind: 'key', keyId: resource.slice(4) }
      : { kind: 'alias', aliasName: resource };
  }
  return { kind: 'key', keyId: text };
}
