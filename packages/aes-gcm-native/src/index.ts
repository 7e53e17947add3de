import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A native AES-256-GCM context for one key (an opaque handle). */
export type KeyContext = { readonly __aesGcmKeyContext: never };

/** The addon's functions (native/aes_gcm.c). Keys are 32 bytes, IVs 12 or 16, tags 16. */
export interface AesGcmBinding {
  /** A new context; it takes its key on first use. */
  newContext(): KeyContext;
  /** Frees the context's OpenSSL state and cleanses its key at once; later calls with it throw. */
  release(context: KeyContext): void;
  /** The ciphertext followed by the 16-byte tag, in one array. */
  encrypt(
    context: KeyContext,
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array;
  /** The plaintext, or null when the tag does not verify. */
  decrypt(
    context: KeyContext,
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array | null;
}

export type AddonLoad = { binding: AesGcmBinding } | { binding?: undefined; reason: string };

/** The addon's file name, as node-gyp builds it and as the xkslab bundle ships it. */
export const ADDON_FILE = 'xkslab_aes_gcm.node';

/**
 * Where the addon is looked for: beside the sources of this package (node-gyp's build folder) and
 * in `native/` beside the bundle that inlines this module (apps/xkslab's dist/main.js).
 */
export const ADDON_CANDIDATES: readonly URL[] = [
  new URL(`../build/Release/${ADDON_FILE}`, import.meta.url),
  new URL(`./native/${ADDON_FILE}`, import.meta.url),
];

const FUNCTIONS = ['newContext', 'release', 'encrypt', 'decrypt'] as const;

/**
 * A self-test before first use, as a cryptographic module runs at power-on: the AES-256 case of the
 * GCM specification with an all-zero key and IV and no data (tag 530f8afb…), and the same tag with
 * one bit flipped refused. A binding that fails it is not used.
 */
function selfTest(binding: AesGcmBinding): string | undefined {
  const context = binding.newContext();
  try {
    const key = new Uint8Array(32);
    const iv = new Uint8Array(12);
    const none = new Uint8Array(0);
    const tag = binding.encrypt(context, key, iv, none, none);
    const hex = Array.from(tag, (b) => b.toString(16).padStart(2, '0')).join('');
    if (hex !== '530f8afbc74536b9a963b4f1c4cb738b') return 'its self-test gave a wrong tag';
    if (binding.decrypt(context, key, iv, none, tag, none)?.length !== 0) {
      return 'its self-test could not decrypt';
    }
    tag[0] = (tag[0] as number) ^ 1;
    if (binding.decrypt(context, key, iv, none, tag, none) !== null) {
      return 'its self-test accepted a forged tag';
    }
    return undefined;
  } finally {
    binding.release(context);
  }
}

/** Loads one addon file; the reason when it cannot be used. */
function loadFile(file: string): AddonLoad {
  const module = { exports: {} as Record<string, unknown> };
  try {
    process.dlopen(module, file);
  } catch (e) {
    return { reason: `${file} did not load: ${e instanceof Error ? e.message : String(e)}` };
  }
  const missing = FUNCTIONS.filter((name) => typeof module.exports[name] !== 'function');
  if (missing.length > 0) return { reason: `${file} lacks ${missing.join(', ')}` };
  const binding = module.exports as unknown as AesGcmBinding;
  const failed = selfTest(binding);
  return failed === undefined ? { binding } : { reason: `${file}: ${failed}` };
}

/** The first candidate that exists, loaded and self-tested; or why there is none to use. */
export function loadAesGcm(candidates: readonly URL[] = ADDON_CANDIDATES): AddonLoad {
  for (const url of candidates) {
    const file = fileURLToPath(url);
    if (existsSync(file)) return loadFile(file);
  }
  const where = candidates.map((url) => fileURLToPath(url)).join(', ');
  return { reason: `no native AES-GCM addon at ${where}` };
}
