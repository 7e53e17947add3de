/** XKS calls that must succeed: each asserts a 200 with compact JSON and returns the body. */

import {
  decryptBody,
  type EncryptInput,
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
  unb64,
} from '@xkslab/conformance/testing';
import { expect } from 'vitest';
import { expectOk } from './assertions.ts';
import {
  type EncryptOutput,
  type KeyStoreTarget,
  type SendOptions,
  sendXks,
} from './xks-client.ts';

export async function healthOk(target: KeyStoreTarget, options: SendOptions = {}) {
  return expectOk(await sendXks(target, healthPath(target), healthBody(), options));
}

export async function metadataOk(target: KeyStoreTarget, keyId: string, options: SendOptions = {}) {
  return expectOk(
    await sendXks(target, keyPath(target, keyId, 'metadata'), metadataBody(), options),
  );
}

export async function encryptOk(
  target: KeyStoreTarget,
  keyId: string,
  input: EncryptInput,
  options: SendOptions = {},
): Promise<EncryptOutput> {
  const body = expectOk(
    await sendXks(target, keyPath(target, keyId, 'encrypt'), encryptBody(input), options),
  );
  for (const field of ['ciphertext', 'initializationVector', 'authenticationTag']) {
    expect(typeof body[field], field).toBe('string');
  }
  return body as unknown as EncryptOutput;
}

export async function decryptOk(
  target: KeyStoreTarget,
  keyId: string,
  out: EncryptOutput,
  aad?: Uint8Array,
  options: SendOptions = {},
): Promise<Buffer> {
  const body = expectOk(
    await sendXks(target, keyPath(target, keyId, 'decrypt'), decryptBody(out, aad), options),
  );
  expect(Object.keys(body)).toEqual(['plaintext']);
  return unb64(String(body.plaintext));
}
