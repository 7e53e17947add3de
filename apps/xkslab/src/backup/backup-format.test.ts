import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BACKUP_MAGIC,
  type BackupRecord,
  decodeBackup,
  decodeRecords,
  deriveBackupRootKey,
  encodeBackup,
  encodeRecords,
  readBackupHeader,
} from './backup-format.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
const master = random(32);
const root = deriveBackupRootKey(master);
const records: BackupRecord[] = [
  { key: 'vcm/meta/master-check', value: random(40) },
  { key: 'vcm/module/hsm-a', value: new TextEncoder().encode('{"name":"hsm-a"}') },
  { key: 'xks/keystore/é', value: new Uint8Array(0) },
];
const CREATED = new Date('2025-03-04T05:06:07.000Z');

function backup(): Uint8Array {
  return encodeBackup({ records, rootKey: root, createdAt: CREATED, random, producer: 'test' });
}

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'none';
};

describe('backup format', () => {
  it('round-trips every record, with a readable header', () => {
    const file = backup();
    const text = Buffer.from(file).toString('latin1');
    expect(text.startsWith(`${BACKUP_MAGIC}\n{"version":1,`)).toBe(true);
    const { header } = readBackupHeader(file);
    expect(header).toMatchObject({ version: 1, records: 3, createdAt: CREATED.toISOString() });
    const out = decodeBackup(file, root);
    expect(out.records).toEqual(records);
  });

  it('never contains a record in the clear', () => {
    const text = Buffer.from(backup()).toString('latin1');
    expect(text).not.toContain('hsm-a');
    expect(text).not.toContain('master-check');
  });

  it('refuses a changed byte anywhere: magic, header, ciphertext, tag', () => {
    const file = backup();
    const { headEnd } = readBackupHeader(file);
    const flip = (at: number) => {
      const copy = new Uint8Array(file);
      copy[at] = (copy[at] ?? 0) ^ 0x01;
      return code(() => decodeBackup(copy, root));
    };
    expect(flip(0)).toBe('NOT_A_BACKUP');
    const createdAt = Buffer.from(file).indexOf('2025-03-04');
    expect(flip(createdAt + 3)).toBe('INTEGRITY'); // 2025 -> 2024: still valid JSON, AAD differs
    expect(flip(headEnd + 2)).toBe('INTEGRITY');
    expect(flip(file.length - 1)).toBe('INTEGRITY');
  });

  it('tells a truncated file from an altered one', () => {
    const file = backup();
    const { headEnd } = readBackupHeader(file);
    expect(code(() => decodeBackup(file.subarray(0, file.length - 1), root))).toBe('TRUNCATED');
    expect(code(() => decodeBackup(file.subarray(0, headEnd - 10), root))).toBe('TRUNCATED');
    expect(code(() => decodeBackup(file.subarray(0, 5), root))).toBe('NOT_A_BACKUP');
    const longer = new Uint8Array(file.length + 1);
    longer.set(file);
    expect(code(() => decodeBackup(longer, root))).toBe('INTEGRITY');
  });

  it('says when the master key is another one', () => {
    const other = deriveBackupRootKey(random(32));
    expect(code(() => decodeBackup(backup(), other))).toBe('WRONG_MASTER_KEY');
  });

  it('refuses a newer format version by name', () => {
    const file = Buffer.from(backup());
    const edited = Buffer.from(
      file.toString('latin1').replace('"version":1', '"version":2'),
      'latin1',
    );
    expect(() => decodeBackup(new Uint8Array(edited), root)).toThrow(/version 2 is not supported/);
  });

  it('decodes exactly the record count it was told', () => {
    const bytes = encodeRecords(records);
    expect(decodeRecords(bytes, 3)).toEqual(records);
    expect(() => decodeRecords(bytes, 2)).toThrow(/3 records but its header says 2/);
    expect(() => decodeRecords(bytes.subarray(0, bytes.length - 3), 3)).toThrow(/malformed/);
  });

  it('uses a fresh salt and IV per file', () => {
    expect(readBackupHeader(backup()).header.salt).not.toBe(readBackupHeader(backup()).header.salt);
  });
});
