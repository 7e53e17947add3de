import { KEY_ID_PATTERN, KEY_STATUSES } from '../constants.ts';
import type { KeyStatus } from '../types.ts';
import { RecordFields } from './record-fields.ts';

/**
 * `vcm/token-key/<module>/<id>`: what xkslab keeps about a key of a PKCS#11 module that the token
 * has no attribute for: its XKS status (DISABLED is an xkslab-side state, the token's key is
 * untouched), the kill switch, and when xkslab generated it. A key found in the token without
 * this record is ENABLED and not blocked.
 */
export type TokenKeyRecord = {
  id: string;
  status: KeyStatus;
  blocked: boolean;
  createdAt: string;
};

/** Field order is fixed here: it is the order the JSON text (and so the MAC input) has. */
export function tokenKeyRecordBody(r: TokenKeyRecord): TokenKeyRecord {
  return { id: r.id, status: r.status, blocked: r.blocked, createdAt: r.createdAt };
}

export function parseTokenKeyRecord(storageKey: string, body: unknown): TokenKeyRecord {
  const f = new RecordFields(storageKey, body);
  return {
    id: f.string('id', KEY_ID_PATTERN),
    status: f.oneOf('status', KEY_STATUSES),
    blocked: f.boolean('blocked'),
    createdAt: f.string('createdAt'),
  };
}
