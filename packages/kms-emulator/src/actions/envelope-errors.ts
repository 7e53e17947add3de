/** The errors every cryptographic operation shares. */
import { KmsError } from '../errors.ts';

/** One generic answer for every ciphertext that does not open, wherever it was altered. */
export function invalidCiphertext(): KmsError {
  return new KmsError(
    'InvalidCiphertextException',
    'The ciphertext is invalid, or was not encrypted under this KMS key and encryption context.',
  );
}

export function dryRun(enabled: boolean | undefined): void {
  if (enabled) {
    throw new KmsError(
      'DryRunOperationException',
      'The request would have succeeded, but the DryRun parameter was set.',
    );
  }
}

export function wrongUsage(arn: string, usage: string, operation: string): KmsError {
  return new KmsError(
    'InvalidKeyUsageException',
    `${arn} key usage is ${usage} which is not valid for ${operation}.`,
  );
}
