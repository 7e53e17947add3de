/**
 * GenerateMac and VerifyMac (RFC 2104 HMAC, node:crypto) with HMAC keys; a MAC that does not match
 * answers KMSInvalidMacException, compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { defineAction } from '../action.ts';
import { type Core, findKey } from '../core.ts';
import { KmsError } from '../errors.ts';
import { GenerateMacRequest, VerifyMacRequest } from '../key-schemas.ts';
import { algorithmsOf } from '../key-specs.ts';
import { requireEnabled } from '../key-state.ts';
import type { KmsKey } from '../model.ts';
import { dryRun, wrongUsage } from './envelope-errors.ts';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function macOf(
  core: Core,
  input: { KeyId: string; MacAlgorithm: string; Message: Uint8Array; DryRun?: boolean | undefined },
  operation: string,
): { key: KmsKey; mac: Buffer } {
  const key = findKey(core, input.KeyId);
  if (key.keyUsage !== 'GENERATE_VERIFY_MAC') throw wrongUsage(key.arn, key.keyUsage, operation);
  const allowed = algorithmsOf(key).MacAlgorithms ?? [];
  if (!allowed.includes(input.MacAlgorithm)) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `${key.arn} does not support MAC algorithm ${input.MacAlgorithm}; it supports ${allowed.join(', ')}.`,
    );
  }
  requireEnabled(core, key);
  dryRun(input.DryRun);
  const hash = `sha${input.MacAlgorithm.slice(-3)}`;
  return { key, mac: createHmac(hash, key.material).update(input.Message).digest() };
}

export const generateMac = defineAction({
  schema: GenerateMacRequest,
  async handle(core, input) {
    const { key, mac } = macOf(core, input, 'GenerateMac');
    return { Mac: b64(mac), MacAlgorithm: input.MacAlgorithm, KeyId: key.arn };
  },
});

export const verifyMac = defineAction({
  schema: VerifyMacRequest,
  async handle(core, input) {
    const { key, mac } = macOf(core, input, 'VerifyMac');
    if (mac.length !== input.Mac.length || !timingSafeEqual(mac, input.Mac)) {
      throw new KmsError(
        'KMSInvalidMacException',
        'The MAC is not valid for this message, KMS key and MAC algorithm.',
      );
    }
    return { KeyId: key.arn, MacValid: true, MacAlgorithm: input.MacAlgorithm };
  },
});
