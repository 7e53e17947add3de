import { VcmError } from '../crypto/errors.ts';
import type { KeyRecord } from '../records/key-record.ts';
import type { ModuleRecord } from '../records/module-record.ts';

/** A module that is not `active` refuses every use of its keys. */
export function assertReachable(record: ModuleRecord): void {
  if (record.state === 'disconnected') {
    throw new VcmError('MODULE_DISCONNECTED', `module ${record.name} is disconnected`);
  }
  if (record.state === 'maintenance') {
    throw new VcmError('MODULE_IN_MAINTENANCE', `module ${record.name} is in maintenance`);
  }
}

/** The kill switch: a blocked key refuses every operation. */
export function assertNotBlocked(module: string, record: KeyRecord): void {
  if (record.blocked) {
    throw new VcmError('KEY_BLOCKED', `key ${record.id} in module ${module} is blocked`);
  }
}

export function assertNotPending(module: string, record: KeyRecord): void {
  if (record.deletionDate !== undefined) {
    throw new VcmError(
      'INVALID_KEY_STATE',
      `key ${record.id} in module ${module} is pending deletion`,
    );
  }
}

export function assertPending(
  module: string,
  record: KeyRecord,
): asserts record is KeyRecord & { deletionDate: string } {
  if (record.deletionDate === undefined) {
    throw new VcmError(
      'INVALID_KEY_STATE',
      `key ${record.id} in module ${module} is not pending deletion`,
    );
  }
}
