import type { CipherEngine, CipherEngineName } from '../crypto/cipher-engine.ts';
import { VcmError } from '../crypto/errors.ts';
import { nobleEngine } from '../crypto/noble-engine.ts';
import { nodeEngine } from './node-engine.ts';

/** The engine of that name: 'noble' (@noble/ciphers, pure JS) or 'node' (node:crypto/OpenSSL). */
export function cipherEngine(name: CipherEngineName): CipherEngine {
  switch (name) {
    case 'noble':
      return nobleEngine;
    case 'node':
      return nodeEngine;
    default:
      throw new VcmError('INVALID_INPUT', `unknown cipher engine: ${String(name)}`);
  }
}
