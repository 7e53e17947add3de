/** Helpers shared by the actions-*.test.ts files. */
import { KmsClientError } from '../client/kms-client.ts';
import { createTestEmulator, type TestEmulator } from './index.ts';

export const b64 = (text: string) => Buffer.from(text).toString('base64');

export async function rejection(p: Promise<unknown>): Promise<KmsClientError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KmsClientError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

export async function ready(): Promise<TestEmulator & { ks: string; keyId: string }> {
  const t = await createTestEmulator();
  const ks = await t.connectedKeyStore();
  const keyId = await t.createKey(ks, 'ext-1');
  return { ...t, ks, keyId };
}
