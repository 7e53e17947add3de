import { KEY_RECORD_PREFIX, MODULE_RECORD_PREFIX, TOKEN_KEY_RECORD_PREFIX } from '../constants.ts';

/** Storage key of a module record. Names are validated, so they never contain '/'. */
export function moduleRecordKey(name: string): string {
  return `${MODULE_RECORD_PREFIX}${name}`;
}

/** Prefix of every key record of a module (the trailing '/' keeps 'm' and 'm2' apart). */
export function keyRecordPrefix(module: string): string {
  return `${KEY_RECORD_PREFIX}${module}/`;
}

export function keyRecordKey(module: string, id: string): string {
  return `${keyRecordPrefix(module)}${id}`;
}

/** Prefix of the xkslab-side state records of a PKCS#11 module's keys. */
export function tokenKeyRecordPrefix(module: string): string {
  return `${TOKEN_KEY_RECORD_PREFIX}${module}/`;
}

export function tokenKeyRecordKey(module: string, id: string): string {
  return `${tokenKeyRecordPrefix(module)}${id}`;
}
