import { type AddonLoad, loadAesGcm } from '@xkslab/aes-gcm-native';
import type { CipherEngine, CipherEngineName } from '../crypto/cipher-engine.ts';
import { VcmError } from '../crypto/errors.ts';
import { nobleEngine } from '../crypto/noble-engine.ts';
import { nativeEngine } from './native-engine.ts';
import { nodeEngine } from './node-engine.ts';

/** An engine's name, or 'auto': `native` where its addon loads, `node` otherwise. */
export type EngineChoice = CipherEngineName | 'auto';

/** The engine a choice came to, and why `auto` did not come to `native` when it did not. */
export type EngineSelection = { engine: CipherEngine; nativeUnavailable?: string };

/**
 * How the native engine's addon is found: `loadAesGcm` (beside the package or the bundle) unless
 * the caller knows better (the single executable places its embedded copy first).
 */
export type AddonLoader = () => AddonLoad;

type NativeLoad = { engine: CipherEngine } | { engine?: undefined; reason: string };
const natives = new Map<AddonLoader, NativeLoad>();

/** The native engine, its addon loaded and self-tested once per loader; or why it cannot be. */
function loadNative(loader: AddonLoader): NativeLoad {
  let native = natives.get(loader);
  if (native === undefined) {
    const load = loader();
    native = load.binding ? { engine: nativeEngine(load.binding) } : { reason: load.reason };
    natives.set(loader, native);
  }
  return native;
}

const defaultLoader: AddonLoader = () => loadAesGcm();

/**
 * The engine of that name: 'noble' (@noble/ciphers, pure JS), 'node' (node:crypto/OpenSSL) or
 * 'native' (the same OpenSSL through @xkslab/aes-gcm-native, one context per key). A native
 * engine whose addon cannot be used is NOT_SUPPORTED, with the reason.
 */
export function cipherEngine(
  name: CipherEngineName,
  loader: AddonLoader = defaultLoader,
): CipherEngine {
  switch (name) {
    case 'noble':
      return nobleEngine;
    case 'node':
      return nodeEngine;
    case 'native': {
      const load = loadNative(loader);
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
export function selectEngine(
  choice: EngineChoice,
  loader: AddonLoader = defaultLoader,
): EngineSelection {
  if (choice !== 'auto') return { engine: cipherEngine(choice, loader) };
  const load = loadNative(loader);
  return load.engine
    ? { engine: load.engine }
    : { engine: nodeEngine, nativeUnavailable: load.reason };
}
