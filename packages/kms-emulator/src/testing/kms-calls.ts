/** Small helpers for tests that call the emulator through its JSON client. */
import { KmsClientError } from '../client/kms-client.ts';

/** The KMS error a call fails with; throws if it succeeds or fails another way. */
export async function rejection(p: Promise<unknown>): Promise<KmsClientError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KmsClientError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}
