/**
 * Authenticates a KMS request as AWS does: SigV4 (Authorization header form) with service `kms`
 * and the emulator's Region, against the configured local credentials. Failures carry the
 * exception names AWS JSON services answer with.
 */
import { type HttpRequestParts, type SigningKeyCache, verifyRequest } from '@xkslab/sigv4';
import { KMS_MAX_CLOCK_SKEW_MS, KMS_SIGV4_SERVICE } from './constants.ts';
import { KmsError } from './errors.ts';
import type { KmsCredential, Principal } from './model.ts';

export type AuthOptions = {
  region: string;
  credentials: ReadonlyMap<string, KmsCredential>;
  now: Date;
  cache?: SigningKeyCache | undefined;
};

export function authenticate(req: HttpRequestParts, options: AuthOptions): Principal {
  const result = verifyRequest(req, {
    region: options.region,
    service: KMS_SIGV4_SERVICE,
    now: options.now,
    maxSkewMs: KMS_MAX_CLOCK_SKEW_MS,
    resolveSecret: (id) => options.credentials.get(id)?.secretAccessKey,
    ...(options.cache ? { cache: options.cache } : {}),
  });
  if (result.ok) {
    const credential = options.credentials.get(result.accessKeyId) as KmsCredential;
    return {
      accessKeyId: credential.accessKeyId,
      arn: credential.principalArn,
      viaService: credential.viaService,
    };
  }
  switch (result.reason) {
    case 'MISSING_AUTHORIZATION':
      throw new KmsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    case 'UNKNOWN_ACCESS_KEY':
      throw new KmsError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    case 'SIGNATURE_MISMATCH':
      throw new KmsError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      );
    case 'CLOCK_SKEW':
      throw new KmsError('InvalidSignatureException', `Signature expired: ${result.detail}.`);
    case 'WRONG_REGION':
      throw new KmsError(
        'InvalidSignatureException',
        `Credential should be scoped to a valid region; this KMS emulator serves ${options.region}.`,
      );
    case 'WRONG_SERVICE':
      throw new KmsError(
        'InvalidSignatureException',
        "Credential should be scoped to correct service: 'kms'.",
      );
    default:
      throw new KmsError('IncompleteSignatureException', `Incomplete signature: ${result.detail}.`);
  }
}
