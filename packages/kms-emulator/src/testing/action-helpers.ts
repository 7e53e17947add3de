/** Helpers shared by the actions-*.test.ts files. */
import { createTestEmulator, type TestEmulator } from './index.ts';

export async function ready(): Promise<TestEmulator & { ks: string; keyId: string }> {
  const t = await createTestEmulator();
  const ks = await t.connectedKeyStore();
  const keyId = await t.createKey(ks, 'ext-1');
  return { ...t, ks, keyId };
}
