/** Small helpers for action tests: expecting a KMS exception, Base64. */
import { KmsClientError } from '../client/kms-client.ts';

export const b64 = (data: string | Uint8Array) => Buffer.from(data).toString('base64');
export const unb64 = (data: unknown) => new Uint8Array(Buffer.from(String(data), 'base64'));

/** The KMS exception a call fails with (throws when it succeeds). */
export async function rejection(p: Promise<unknown>): Promise<KmsClientError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KmsClientError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

/** The exception name a call fails with. */
export async function errorName(p: Promise<unknown>): Promise<string> {
  return (await rejection(p)).name;
}
