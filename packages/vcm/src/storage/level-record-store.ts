import { ClassicLevel } from 'classic-level';
import { VcmError } from '../crypto/errors.ts';
import { checkBatch, checkKey, checkListOptions, checkValue, copyBytes } from './arguments.ts';
import { listStart } from './byte-order.ts';
import { checkLevelLogs } from './level-log-check.ts';
import { makePrivateDir } from './private-dir.ts';
import type { BatchOp, ListOptions, RecordStore } from './record-store.ts';

type Db = ClassicLevel<string, Uint8Array>;

/** Every write waits for the OS to flush (LevelDB `sync: true`) before it resolves. */
const DURABLE = { sync: true } as const;

function codeOf(e: unknown): unknown {
  return e !== null && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
}

function isLocked(e: unknown): boolean {
  // abstract-level reports LEVEL_DATABASE_NOT_OPEN with the lock failure as its cause.
  const cause = e !== null && typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  return codeOf(e) === 'LEVEL_LOCKED' || codeOf(cause) === 'LEVEL_LOCKED';
}

function unavailable(what: string, cause: unknown): VcmError {
  return new VcmError('STORE_UNAVAILABLE', `database ${what} failed`, { cause });
}

/**
 * A RecordStore on LevelDB through classic-level (used directly, not through `level`: `get` relies
 * on its `getSync`), one directory, one process at a time.
 */
export class LevelRecordStore implements RecordStore {
  readonly #db: Db;
  readonly #dir: string;

  private constructor(db: Db, dir: string) {
    this.#db = db;
    this.#dir = dir;
  }

  /**
   * Opens (creating if needed) the store in `dir`. Another process holding the directory's LOCK
   * is VcmError('STORE_LOCKED'); a write-ahead log damaged before its end is 'CORRUPT_RECORD'
   * (level-log-check.ts: LevelDB would drop those records silently); anything else that stops
   * the open is 'STORE_UNAVAILABLE'. The directory is made 0700 and its files 0600 whatever the
   * umask (private-dir.ts); a directory whose modes cannot be set is 'STORE_UNAVAILABLE'.
   */
  static async open(dir: string): Promise<LevelRecordStore> {
    if (typeof dir !== 'string' || dir.length === 0) {
      throw new VcmError('INVALID_INPUT', 'the database directory must be a non-empty path');
    }
    try {
      await makePrivateDir(dir);
    } catch (e) {
      throw new VcmError(
        'STORE_UNAVAILABLE',
        `could not make the database directory ${dir} private (${String(codeOf(e) ?? e)}): it must be a directory this user owns; fix its owner, or chmod 700 it`,
        { cause: e },
      );
    }
    const damage = await checkLevelLogs(dir);
    if (damage) {
      throw new VcmError(
        'CORRUPT_RECORD',
        `the database's write-ahead log ${damage.file} is damaged at byte ${damage.offset} (${damage.reason}); opening it would silently drop the records after that point. Restore the data directory from a backup, or move that file away to accept the loss`,
      );
    }
    const db: Db = new ClassicLevel<string, Uint8Array>(dir, {
      keyEncoding: 'utf8',
      valueEncoding: 'view',
      createIfMissing: true,
    });
    try {
      await db.open();
    } catch (e) {
      if (isLocked(e)) {
        throw new VcmError(
          'STORE_LOCKED',
          `the data directory ${dir} is in use by another xkslab process (its LevelDB LOCK is held)`,
          { cause: e },
        );
      }
      throw new VcmError('STORE_UNAVAILABLE', `could not open the database in ${dir}`, {
        cause: e,
      });
    }
    return new LevelRecordStore(db, dir);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key);
    let value: Uint8Array | undefined;
    try {
      // Synchronous on purpose: a point read from LevelDB's cache or the OS page cache takes
      // microseconds, while an async get waits for a libuv threadpool thread that may be busy
      // with fsyncs (audit log, writes). With a million keys nearly every encrypt misses the key
      // cache and reads here: the async path tripled its p99 (docs/performance.md).
      value = this.#db.getSync(key);
    } catch (e) {
      throw unavailable('read', e);
    }
    // classic-level hands back a Buffer even with valueEncoding 'view': copy it into a plain array.
    return value === undefined ? undefined : copyBytes(value);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    checkKey(key);
    checkValue(value);
    try {
      await this.#db.put(key, copyBytes(value), DURABLE);
    } catch (e) {
      throw unavailable('write', e);
    }
  }

  async del(key: string): Promise<void> {
    checkKey(key);
    try {
      await this.#db.del(key, DURABLE);
    } catch (e) {
      throw unavailable('delete', e);
    }
  }

  async batch(ops: readonly BatchOp[]): Promise<void> {
    checkBatch(ops);
    const writes = ops.map((op) =>
      op.type === 'put'
        ? { type: 'put' as const, key: op.key, value: copyBytes(op.value) }
        : { type: 'del' as const, key: op.key },
    );
    try {
      // One LevelDB WriteBatch: applied atomically, logged with sync before it resolves.
      await this.#db.batch(writes, DURABLE);
    } catch (e) {
      throw unavailable('batch write', e);
    }
  }

  async list(options: ListOptions): Promise<Array<{ key: string; value: Uint8Array }>> {
    checkListOptions(options);
    const { prefix, after, limit } = options;
    const start = listStart(prefix, after);
    if (start === undefined || limit === 0) return [];
    const out: Array<{ key: string; value: Uint8Array }> = [];
    try {
      // No upper bound is computed: iterate from the start and stop at the first key outside the
      // prefix. Breaking out of for-await closes the iterator.
      const it = this.#db.iterator({ ...start, ...(limit === undefined ? {} : { limit }) });
      for await (const [key, value] of it) {
        if (!key.startsWith(prefix)) break;
        out.push({ key, value: copyBytes(value) });
        if (limit !== undefined && out.length >= limit) break;
      }
    } catch (e) {
      throw unavailable('list', e);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.#db.status === 'closed') return;
    try {
      await this.#db.close();
      // Files LevelDB made while open (new logs and tables) got the umask's mode: make them 0600.
      await makePrivateDir(this.#dir);
    } catch (e) {
      throw unavailable('close', e);
    }
  }
}
