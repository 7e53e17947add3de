/**
 * The lab of the XKS error tests: one server, samples encrypted before the tests, and senders of
 * broken requests.
 */
import { randomBytes } from 'node:crypto';
import { b64, decryptBody, encryptBody, keyPath, unb64 } from '@xkslab/conformance/testing';
import { beforeAll } from 'vitest';
import type { XkslabServer } from './binary.ts';
import { useTempServers } from './fixture.ts';
import type { LabSeed, LabTargets } from './lab-seed.ts';
import {
  type EncryptOutput,
  type KeyStoreTarget,
  type SendOptions,
  sendXks,
  type XksResponse,
} from './xks-client.ts';
import { encryptOk } from './xks-ops.ts';

export let lab: LabSeed;
export let server: XkslabServer;
export let t: LabTargets;
/** foo, encrypted with AAD; foo without AAD; encrypt-only's ciphertext. */
export let withAad: EncryptOutput;
export let noAad: EncryptOutput;
export let encryptOnlyOut: EncryptOutput;
export const AAD = randomBytes(24);

/** Starts the lab server for the calling test file and encrypts the samples. */
export function useErrorLab(): void {
  const servers = useTempServers();
  beforeAll(async () => {
    ({ lab, server, t } = await servers.startLab());
    withAad = await encryptOk(t.a, 'foo', { plaintext: randomBytes(40), aad: AAD });
    noAad = await encryptOk(t.a, 'foo', { plaintext: randomBytes(40) });
    encryptOnlyOut = await encryptOk(t.a, 'encrypt-only', { plaintext: randomBytes(16) });
  });
}

/** Flips one bit of the byte at `index` (negative: from the end) of a Base64 field. */
export function flip(field: string, index = 0): string {
  const bytes = Buffer.from(unb64(field));
  const i = index < 0 ? bytes.length + index : index;
  bytes[i] = (bytes[i] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

export const send =
  (target: () => KeyStoreTarget, path: () => string, body: () => unknown, o?: SendOptions) => () =>
    sendXks(target(), path(), body(), o);
export const enc = (keyId: string, patch: Record<string, unknown> = {}) =>
  send(
    () => t.a,
    () => keyPath(t.a, keyId, 'encrypt'),
    () => ({ ...encryptBody({ plaintext: randomBytes(16) }), ...patch }),
  );
export const dec = (
  keyId: string,
  out: () => EncryptOutput,
  patch: () => Record<string, unknown>,
) =>
  send(
    () => t.a,
    () => keyPath(t.a, keyId, 'decrypt'),
    () => ({ ...decryptBody(out()), ...patch() }),
  );
export const decFoo = (patch: () => Record<string, unknown>) =>
  dec(
    'foo',
    () => withAad,
    () => ({ additionalAuthenticatedData: b64(AAD), ...patch() }),
  );

export type ErrorCase = {
  name: string;
  status: number;
  errorName: string;
  run: () => Promise<XksResponse>;
};
