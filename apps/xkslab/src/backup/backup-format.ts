import { gcm } from '@noble/ciphers/aes.js';
import { equalBytes } from '@noble/ciphers/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';

/**
 * The backup file (pure encoding; no I/O):
 *
 *   XKSLAB-BACKUP\n                      magic line
 *   {"version":1,...}\n                  header: one line of JSON (BackupHeader)
 *   <ciphertext><16-byte tag>            AES-256-GCM (NIST SP 800-38D) of the records
 *
 * The records are every entry of the database as stored (module KEKs and keys already wrapped
 * under the master key, credential secrets already sealed), encoded as repeated
 * [u32 BE key length][UTF-8 key][u32 BE value length][value]. The magic line and the header line
 * are the GCM AAD, so any change to them, to the ciphertext or to the tag fails the whole file.
 *
 * Keys (RFC 5869): root = HKDF-SHA256(master key, no salt, "xkslab backup v1"); per file,
 * with a random 32-byte salt from the header, encryption key = HKDF(root, salt,
 * "xkslab backup encryption", 32) and key check = HKDF(root, salt, "xkslab backup key check", 16).
 * The key check tells "another master key" apart from "damaged or altered" before decrypting.
 */
export const BACKUP_MAGIC = 'XKSLAB-BACKUP';
export const BACKUP_VERSION = 1;
const ROOT_INFO = 'xkslab backup v1';
const ENCRYPTION_INFO = 'xkslab backup encryption';
const KEY_CHECK_INFO = 'xkslab backup key check';
const SALT_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_CHECK_BYTES = 16;
const MAX_HEADER_BYTES = 4096;
/** Backups are read whole into memory; this bounds what restore accepts. */
export const MAX_BACKUP_BYTES = 1024 * 1024 * 1024;

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

export const BackupHeader = z.strictObject({
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  records: z.number().int().nonnegative(),
  /** Length of ciphertext + tag, so a cut file is told apart from an altered one. */
  payloadBytes: z.number().int().nonnegative(),
  cipher: z.literal('AES-256-GCM'),
  kdf: z.literal('HKDF-SHA256'),
  salt: Base64,
  iv: Base64,
  keyCheck: Base64,
  /** The xkslab that wrote it (informational). */
  producer: z.string().max(100),
});
export type BackupHeader = z.infer<typeof BackupHeader>;

export type BackupRecord = { key: string; value: Uint8Array };

export type BackupErrorCode =
  | 'NOT_A_BACKUP'
  | 'UNSUPPORTED_VERSION'
  | 'TRUNCATED'
  | 'WRONG_MASTER_KEY'
  | 'INTEGRITY'
  | 'TOO_LARGE';

export class BackupError extends Error {
  readonly code: BackupErrorCode;
  constructor(code: BackupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
    this.code = code;
  }
}

/** The root of backup keys, derived once from the master key (the master key is not kept). */
export function deriveBackupRootKey(masterKey: Uint8Array): Uint8Array {
  return hkdf(sha256, masterKey, undefined, utf8ToBytes(ROOT_INFO), 32);
}

function fileKeys(root: Uint8Array, salt: Uint8Array) {
  return {
    encryption: hkdf(sha256, root, salt, utf8ToBytes(ENCRYPTION_INFO), 32),
    keyCheck: hkdf(sha256, root, salt, utf8ToBytes(KEY_CHECK_INFO), KEY_CHECK_BYTES),
  };
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function unb64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function encodeRecords(records: readonly BackupRecord[]): Uint8Array {
  let size = 0;
  const keys = records.map((r) => utf8ToBytes(r.key));
  for (let i = 0; i < records.length; i++) {
    size += 8 + (keys[i] as Uint8Array).length + (records[i] as BackupRecord).value.length;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  records.forEach((r, i) => {
    const key = keys[i] as Uint8Array;
    view.setUint32(at, key.length);
    out.set(key, at + 4);
    at += 4 + key.length;
    view.setUint32(at, r.value.length);
    out.set(r.value, at + 4);
    at += 4 + r.value.length;
  });
  return out;
}

export function decodeRecords(bytes: Uint8Array, expected: number): BackupRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const out: BackupRecord[] = [];
  let at = 0;
  const take = (): Uint8Array => {
    if (at + 4 > bytes.length) throw new BackupError('INTEGRITY', 'the record list is malformed');
    const len = view.getUint32(at);
    if (at + 4 + len > bytes.length) {
      throw new BackupError('INTEGRITY', 'the record list is malformed');
    }
    const part = bytes.subarray(at + 4, at + 4 + len);
    at += 4 + len;
    return part;
  };
  while (at < bytes.length) {
    const key = decoder.decode(take());
    out.push({ key, value: new Uint8Array(take()) });
  }
  if (out.length !== expected) {
    throw new BackupError(
      'INTEGRITY',
      `the backup holds ${out.length} records but its header says ${expected}`,
    );
  }
  return out;
}

/** Builds a backup file from the database records. */
export function encodeBackup(input: {
  records: readonly BackupRecord[];
  rootKey: Uint8Array;
  createdAt: Date;
  random: (n: number) => Uint8Array;
  producer: string;
}): Uint8Array {
  const salt = input.random(SALT_BYTES);
  const iv = input.random(IV_BYTES);
  const keys = fileKeys(input.rootKey, salt);
  const plaintext = encodeRecords(input.records);
  const header: BackupHeader = {
    version: BACKUP_VERSION,
    createdAt: input.createdAt.toISOString(),
    records: input.records.length,
    payloadBytes: plaintext.length + TAG_BYTES,
    cipher: 'AES-256-GCM',
    kdf: 'HKDF-SHA256',
    salt: b64(salt),
    iv: b64(iv),
    keyCheck: b64(keys.keyCheck),
    producer: input.producer,
  };
  const head = utf8ToBytes(`${BACKUP_MAGIC}\n${JSON.stringify(header)}\n`);
  const sealed = gcm(keys.encryption, iv, head).encrypt(plaintext);
  plaintext.fill(0);
  keys.encryption.fill(0);
  const out = new Uint8Array(head.length + sealed.length);
  out.set(head, 0);
  out.set(sealed, head.length);
  return out;
}

/** Reads only the header (no key needed): for messages and `restore` before it decrypts. */
export function readBackupHeader(file: Uint8Array): { header: BackupHeader; headEnd: number } {
  const magic = utf8ToBytes(`${BACKUP_MAGIC}\n`);
  if (file.length < magic.length || !equalBytes(file.subarray(0, magic.length), magic)) {
    throw new BackupError('NOT_A_BACKUP', 'not an xkslab backup (no XKSLAB-BACKUP header)');
  }
  const newline = file.indexOf(0x0a, magic.length);
  if (newline === -1) {
    if (file.length - magic.length > MAX_HEADER_BYTES) {
      throw new BackupError('NOT_A_BACKUP', 'the backup header is malformed');
    }
    throw new BackupError('TRUNCATED', 'the backup is truncated (it ends inside its header)');
  }
  if (newline - magic.length > MAX_HEADER_BYTES) {
    throw new BackupError('NOT_A_BACKUP', 'the backup header is malformed');
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(file.subarray(magic.length, newline)).toString('utf8'));
  } catch {
    throw new BackupError('INTEGRITY', 'the backup header is damaged (not valid JSON)');
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== BACKUP_VERSION) {
    throw new BackupError(
      'UNSUPPORTED_VERSION',
      `backup format version ${version} is not supported (this xkslab reads version ${BACKUP_VERSION})`,
    );
  }
  const parsed = BackupHeader.safeParse(json);
  if (!parsed.success) {
    throw new BackupError('INTEGRITY', 'the backup header is damaged (unexpected fields)');
  }
  return { header: parsed.data, headEnd: newline + 1 };
}

/**
 * Checks and opens a backup file: header, length, master key (key check), then the AES-GCM tag
 * over header and records. Every failure is a BackupError saying which; nothing is returned
 * unless the whole file is intact.
 */
export function decodeBackup(
  file: Uint8Array,
  rootKey: Uint8Array,
): { header: BackupHeader; records: BackupRecord[] } {
  if (file.length > MAX_BACKUP_BYTES) {
    throw new BackupError('TOO_LARGE', `the backup is larger than ${MAX_BACKUP_BYTES} bytes`);
  }
  const { header, headEnd } = readBackupHeader(file);
  const payload = file.subarray(headEnd);
  if (payload.length < header.payloadBytes) {
    throw new BackupError(
      'TRUNCATED',
      `the backup is truncated (${payload.length} of ${header.payloadBytes} encrypted bytes present)`,
    );
  }
  if (payload.length > header.payloadBytes) {
    throw new BackupError(
      'INTEGRITY',
      `the backup has ${payload.length - header.payloadBytes} unexpected bytes at its end`,
    );
  }
  const salt = unb64(header.salt);
  const iv = unb64(header.iv);
  if (salt.length !== SALT_BYTES || iv.length !== IV_BYTES || payload.length < TAG_BYTES) {
    throw new BackupError('INTEGRITY', 'the backup header is damaged (bad salt, iv or length)');
  }
  const keys = fileKeys(rootKey, salt);
  try {
    if (!equalBytes(keys.keyCheck, unb64(header.keyCheck))) {
      throw new BackupError(
        'WRONG_MASTER_KEY',
        'this backup was made under another master key (or its header was altered); give the master key of the data directory it came from',
      );
    }
    let plaintext: Uint8Array;
    try {
      plaintext = gcm(keys.encryption, iv, file.subarray(0, headEnd)).decrypt(payload);
    } catch (e) {
      throw new BackupError(
        'INTEGRITY',
        'the backup failed its integrity check (AES-GCM tag): it was damaged or altered',
        { cause: e },
      );
    }
    try {
      return { header, records: decodeRecords(plaintext, header.records) };
    } finally {
      plaintext.fill(0);
    }
  } finally {
    keys.encryption.fill(0);
  }
}
