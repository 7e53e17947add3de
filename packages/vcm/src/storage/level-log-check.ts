import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Checks LevelDB's write-ahead logs (`NNNNNN.log`) before the database is opened. LevelDB's own
 * recovery (without paranoid checks, which classic-level cannot turn on) drops a log record whose
 * checksum fails, and everything after it in its block, and opens anyway: acknowledged keys would
 * vanish without a word. A record that lies wholly inside the file with a bad checksum is such
 * damage; a record cut short at the very end of the file is the normal trace of a crash during an
 * unacknowledged write and is left to LevelDB.
 *
 * Format (leveldb doc/log_format.md): 32 KiB blocks of records, each a 7-byte header
 * (masked CRC-32C of type+payload, u32 LE; payload length, u16 LE; type, u8) and the payload;
 * fewer than 7 bytes left in a block are zero padding.
 */
const BLOCK = 32 * 1024;
const HEADER = 7;
const MASK_DELTA = 0xa282ead8;

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32c(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c = (CRC32C_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

function unmask(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

export type LogDamage = { file: string; offset: number; reason: string };

/** The first damaged record of one log file's bytes, or undefined when it is sound. */
export function findLogDamage(bytes: Uint8Array): { offset: number; reason: string } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let block = 0; block < bytes.length; block += BLOCK) {
    const blockEnd = Math.min(bytes.length, block + BLOCK);
    let at = block;
    while (blockEnd - at >= HEADER) {
      const length = view.getUint16(at + 4, true);
      const type = bytes[at + 6] as number;
      if (type === 0 && length === 0) break; // zero padding / preallocated space
      const end = at + HEADER + length;
      if (end > block + BLOCK) return { offset: at, reason: 'record runs past its block' };
      if (end > bytes.length) return undefined; // cut short at the end: a crash mid-write
      if (type < 1 || type > 4) return { offset: at, reason: `unknown record type ${type}` };
      const expected = unmask(view.getUint32(at, true));
      if (crc32c(bytes, at + 6, end) !== expected)
        return { offset: at, reason: 'checksum mismatch' };
      at = end;
    }
  }
  return undefined;
}

/** Every `*.log` of a LevelDB directory; the first damage found, or undefined. */
export async function checkLevelLogs(dir: string): Promise<LogDamage | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined; // a new database: nothing to check
  }
  for (const name of names.filter((n) => /^\d+\.log$/.test(n)).sort()) {
    const file = join(dir, name);
    const fd = await open(file, 'r');
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fd.readFile());
    } finally {
      await fd.close();
    }
    const damage = findLogDamage(bytes);
    if (damage) return { file, ...damage };
  }
  return undefined;
}
