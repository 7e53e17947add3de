import { KEY_STORE_PREFIX, MODULE_STORE_PREFIX } from './constants.ts';

/** Storage key of a module record. Names are validated, so they never contain '/'. */
export function moduleStoreKey(name: string): string {
  return `${MODULE_STORE_PREFIX}${name}`;
}

/** Prefix of every key record of a module (the trailing '/' keeps 'm' and 'm2' apart). */
export function keyStorePrefix(module: string): string {
  return `${KEY_STORE_PREFIX}${module}/`;
}

export function keyStoreKey(module: string, id: string): string {
  return `${keyStorePrefix(module)}${id}`;
}
