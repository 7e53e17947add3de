import { randomBytes } from 'node:crypto';
import { buildGcmAad, computeCdiv, type DefectName } from '@xkslab/protocol';
import type { DecryptInput, EncryptInput, EncryptOutput } from '@xkslab/vcm';
import type { XksCrypto, XksDeps, XksOperation } from '../xks/route.ts';
import { servesRefusal } from './defects.ts';

/** Defects that change what encrypt and decrypt compute (the others change answers only). */
const CRYPTO_DEFECTS: ReadonlySet<DefectName> = new Set<DefectName>([
  'aad-ignored',
  'metadata-unbound',
  'cdiv-wrong',
  'cdiv-unverified',
  'usage-unenforced',
  'disabled-served',
  'metadata-trailing-ignored',
]);
/** What 'metadata-trailing-ignored' reads of ciphertextMetadata: the 5 bytes this proxy writes. */
const READ_METADATA_BYTES = 5;

const random = (n: number) => new Uint8Array(randomBytes(n));

/**
 * The GCM AAD of a defect: 'aad-ignored' leaves the request AAD out, 'metadata-unbound' leaves
 * ciphertextMetadata out (spec §1.8 binds both).
 */
function defectGcmAad(defect: DefectName): XksCrypto['gcmAad'] {
  return (aad, metadata) =>
    buildGcmAad(
      defect === 'aad-ignored' ? undefined : aad,
      defect === 'metadata-unbound'
        ? undefined
        : defect === 'metadata-trailing-ignored'
          ? metadata?.subarray(0, READ_METADATA_BYTES)
          : metadata,
    );
}

/**
 * The module as a defective proxy would use it, for one call:
 * - 'usage-unenforced' / 'disabled-served': a refusal (INVALID_KEY_USAGE / KEY_DISABLED) is
 *   answered with emulated output (random bytes of the right shapes: the module never breaks its
 *   own rules), and decrypting that output again gives back the plaintext;
 * - 'cdiv-unverified': encrypt's verifying decrypt is skipped (its own output "round-trips");
 * - 'metadata-unbound': decrypt does not read the key version from ciphertextMetadata, it takes
 *   the key's current version; 'metadata-trailing-ignored' does so when the metadata is longer
 *   than what it reads (and binds only those bytes).
 */
function defectModule(
  deps: XksDeps,
  defect: DefectName,
  operation: XksOperation,
): XksCrypto['module'] {
  const { vcm } = deps;
  // What this call encrypted, by ciphertext: encrypt's verifying decrypt gets the same array.
  const made = new WeakMap<Uint8Array, { plaintext: Uint8Array; emulated: boolean }>();
  return {
    async encrypt(module: string, keyId: string, input: EncryptInput): Promise<EncryptOutput> {
      let out: EncryptOutput;
      try {
        out = await vcm.encrypt(module, keyId, input);
        made.set(out.ciphertext, { plaintext: input.plaintext, emulated: false });
      } catch (e) {
        if (!servesRefusal(defect, e)) throw e;
        if (typeof input.aad === 'function') input.aad(1);
        out = {
          ciphertext: random(input.plaintext.length),
          iv: random(12),
          tag: random(16),
          keyVersion: 1,
        };
        made.set(out.ciphertext, { plaintext: input.plaintext, emulated: true });
      }
      return out;
    },
    async decrypt(module: string, keyId: string, input: DecryptInput): Promise<Uint8Array> {
      const mine = made.get(input.ciphertext);
      const skipVerify = defect === 'cdiv-unverified' && operation === 'Encrypt';
      if (mine && (mine.emulated || skipVerify)) return mine.plaintext;
      try {
        const readsCurrent =
          defect === 'metadata-unbound' ||
          (defect === 'metadata-trailing-ignored' && input.keyVersion === 0);
        const keyVersion = readsCurrent
          ? ((await vcm.getKey(module, keyId))?.currentVersion ?? 0)
          : input.keyVersion;
        return await vcm.decrypt(module, keyId, { ...input, keyVersion });
      } catch (e) {
        if (!servesRefusal(defect, e)) throw e;
        return mine?.plaintext ?? random(input.ciphertext.length);
      }
    },
  };
}

/**
 * What a call computes with under `defect`: `spec` itself unless the defect changes the
 * construction (GCM AAD, CDIV) or how the module is used.
 */
export function faultedCrypto(
  deps: XksDeps,
  spec: XksCrypto,
  defect: DefectName | undefined,
  operation: XksOperation,
): XksCrypto {
  if (defect === undefined || !CRYPTO_DEFECTS.has(defect)) return spec;
  return {
    module: defectModule(deps, defect, operation),
    gcmAad: defectGcmAad(defect),
    cdiv:
      defect === 'cdiv-wrong'
        ? (input) => computeCdiv({ ...input, aad: undefined, ciphertextMetadata: undefined })
        : spec.cdiv,
  };
}
