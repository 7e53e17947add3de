/**
 * Where the `native` engine's addon comes from. In the single executable the build embeds it as a
 * SEA asset, and it is placed in the same integrity-checked private cache as LevelDB's addon
 * (native-addon.ts: its SHA-256 is checked right before the load) before @xkslab/aes-gcm-native
 * loads and self-tests it. Anywhere else, that package's own places. Never fatal: a reason instead,
 * and `--engine auto` serves on node:crypto.
 */
import { createHash } from 'node:crypto';
import { getRawAsset, isSea } from 'node:sea';
import { pathToFileURL } from 'node:url';
import { ADDON_FILE, type AddonLoad, loadAesGcm } from '@xkslab/aes-gcm-native';
import { cacheRoot } from './classic-level-addon.ts';
import { placeAddon } from './native-addon.ts';

export function loadAesGcmAddon(): AddonLoad {
  if (!isSea()) return loadAesGcm();
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(getRawAsset(ADDON_FILE) as ArrayBuffer);
  } catch {
    return { reason: 'this executable was built without the native AES-GCM addon' };
  }
  try {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const addon = { bytes, sha256, fileName: ADDON_FILE, what: 'AES-GCM' };
    return loadAesGcm([pathToFileURL(placeAddon(addon, cacheRoot()))]);
  } catch (e) {
    return { reason: e instanceof Error ? e.message : String(e) };
  }
}
