import { KEY_ID_PATTERN, KEY_ORIGINS, KEY_STATUSES, KEY_USAGES } from '../constants.ts';
import type { KeyInfo, KeyOrigin, KeyStatus, KeyUsage } from '../types.ts';
import { RecordFields } from './record-fields.ts';

/** One version of a key: its material wrapped under the module KEK (RFC 5649), Base64. */
export type KeyVersionRecord = { version: number; createdAt: string; wrapped: string };

/**
 * `vcm/key/<module>/<id>`. Versions are ascending; the last one is current. A key pending deletion
 * has status DISABLED and a `deletionDate`. Records written before origin, exportable and blocked
 * existed lack them: they read as GENERATED, false, false.
 */
export type KeyRecord = {
  id: string;
  usage: KeyUsage[];
  status: KeyStatus;
  createdAt: string;
  versions: KeyVersionRecord[];
  origin: KeyOrigin;
  exportable: boolean;
  blocked: boolean;
  deletionDate?: string | undefined;
};

/** Field order is fixed here: it is the order the JSON text (and so the MAC input) has. */
export function keyRecordBody(r: KeyRecord): KeyRecord {
  return {
    id: r.id,
    usage: [...r.usage],
    status: r.status,
    createdAt: r.createdAt,
    versions: r.versions.map((v) => ({
      version: v.version,
      createdAt: v.createdAt,
      wrapped: v.wrapped,
    })),
    origin: r.origin,
    exportable: r.exportable,
    blocked: r.blocked,
    ...(r.deletionDate === undefined ? {} : { deletionDate: r.deletionDate }),
  };
}

export function parseKeyRecord(storageKey: string, body: unknown): KeyRecord {
  const f = new RecordFields(storageKey, body);
  const id = f.string('id', KEY_ID_PATTERN);
  const usageList = f.array('usage');
  const usage = KEY_USAGES.filter((u) => usageList.includes(u));
  if (usage.length !== usageList.length) f.fail('usage');
  const status = f.oneOf('status', KEY_STATUSES);
  const createdAt = f.string('createdAt');
  const versions: KeyVersionRecord[] = [];
  for (const raw of f.array('versions')) {
    const v = new RecordFields(`${storageKey} version`, raw);
    const version = v.integer('version', 1, Number.MAX_SAFE_INTEGER);
    const previous = versions.at(-1);
    if (previous !== undefined && version <= previous.version) f.fail('versions order');
    versions.push({ version, createdAt: v.string('createdAt'), wrapped: v.string('wrapped') });
  }
  if (versions.length === 0) f.fail('versions');
  return {
    id,
    usage,
    status,
    createdAt,
    versions,
    origin: f.has('origin') ? f.oneOf('origin', KEY_ORIGINS) : 'GENERATED',
    exportable: f.has('exportable') ? f.boolean('exportable') : false,
    blocked: f.has('blocked') ? f.boolean('blocked') : false,
    ...(f.has('deletionDate') ? { deletionDate: f.string('deletionDate') } : {}),
  };
}

export function currentVersion(r: KeyRecord): number {
  return (r.versions.at(-1) as KeyVersionRecord).version;
}

export function keyInfo(module: string, r: KeyRecord): KeyInfo {
  return {
    module,
    id: r.id,
    usage: [...r.usage],
    status: r.status,
    state: r.deletionDate === undefined ? r.status : 'PENDING_DELETION',
    origin: r.origin,
    exportable: r.exportable,
    blocked: r.blocked,
    ...(r.deletionDate === undefined ? {} : { deletionDate: r.deletionDate }),
    createdAt: r.createdAt,
    currentVersion: currentVersion(r),
    versions: r.versions.map((v) => ({ version: v.version, createdAt: v.createdAt })),
  };
}
