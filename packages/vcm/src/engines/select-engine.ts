import { loadAesGcm } from '@xkslab/aes-gcm-native';
import type { CipherEngine, CipherEngineName } from '../crypto/cipher-engine.ts';
import { VcmError } from '../crypto/errors.ts';
import { nobleEngine } from '../crypto/noble-engine.ts';
import { nativeEngine } from './native-engine.ts';
import { nodeEngine } from './node-engine.ts';

/** An engine's name, or 'auto': `native` where its addon loads, `node` otherwise. */
export type EngineChoice = CipherEngineName | 'auto';

/** The engine a choice came to, and why `auto` did not come to `native` when it did not. */
export type EngineSelection = { engine: CipherEngine; nativeUnavailable?: string };

type NativeLoad = { engine: CipherEngine } | { engine?: undefined; reason: string };
let native: NativeLoad | undefined;

/** The native engine, its addon loaded and self-tested once per process; or why it cannot be. */
function loadNative(): NativeLoad {
  if (native === undefined) {
    const load = loadAesGcm();
    native = load.binding ? { engine: nativeEngine(load.binding) } : { reason: load.reason };
  }
  return native;
}

/**
 * The engine of that name: 'noble' (@noble/ciphers, pure JS), 'node' (node:crypto/OpenSSL) or
 * 'native' (the same OpenSSL through @xkslab/aes-gcm-native, one context per key). A native
 * engine whose addon cannot be used is NOT_SUPPORTED, with the reason.
 */
export function cipherEngine(name: CipherEngineName): CipherEngine {
  switch (name) {
    case 'noble':
      return nobleEngine;
    case 'node':
      return nodeEngine;
    case 'native': {
      const load = loadNative();
      if (load.engine) return load.engine;
      throw new VcmError(
        'NOT_SUPPORTED',
        `the native AES-GCM engine cannot be used: ${load.reason}`,
      );
    }
    default:
      throw new VcmError('INVALID_INPUT', `unknown cipher engine: ${String(name)}`);
  }
}

/** The engine for a choice: `auto` is `native` where it can be used, else `node` (with why). */
export function selectEngine(choice: EngineChoice): EngineSelection {
  if (choice !== 'auto') return { engine: cipherEngine(choice) };
  const load = loadNative();
  return load.engine
    ? { engine: load.engine }
    : { engine: nodeEngine, nativeUnavailable: load.reason };
}
