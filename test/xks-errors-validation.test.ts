/**
 * XKS errors over the wire (spec §1.7), part one: ValidationException, requestMetadata bounds and
 * InvalidCiphertextException, each answered with compact one-line JSON holding exactly errorName
 * and a short printable errorMessage.
 */
import { healthPath, keyPath, metadataBody, requestMetadata } from '@xkslab/conformance/testing';
import { describe, expect, it } from 'vitest';
import { expectOk, expectXksError } from './support/assertions.ts';
import { sendXks } from './support/xks-client.ts';
import { cipherCases, validationCases } from './support/xks-error-cases.ts';
import { dec, decFoo, enc, noAad, t, useErrorLab } from './support/xks-error-lab.ts';

useErrorLab();

describe('ValidationException (400)', () => {
  it.each(validationCases)('$name', async (c) => {
    expectXksError(await c.run(), c.status, c.errorName);
  });

  it('accepts application/json with a charset parameter (control case)', async () => {
    const res = await sendXks(t.a, keyPath(t.a, 'foo', 'metadata'), metadataBody(), {
      contentType: 'application/json; charset=utf-8',
    });
    expectOk(res);
  });
});

/** Bounds on requestMetadata strings (see METADATA_ARN_MAX in @xkslab/protocol). */
const METADATA_BOUNDS = [
  ['awsPrincipalArn', 2048],
  ['kmsKeyArn', 2048],
  ['kmsRequestId', 1024],
  ['kmsOperation', 256],
  ['kmsViaService', 256],
  ['awsSourceVpc', 256],
  ['awsSourceVpce', 256],
] as const;

describe('requestMetadata field lengths', () => {
  const withField = (field: string, length: number) =>
    enc('foo', { requestMetadata: { ...requestMetadata('Encrypt'), [field]: 'a'.repeat(length) } });

  it.each(METADATA_BOUNDS)('accepts %s of %i characters', async (field, max) => {
    expectOk(await withField(field, max)());
  });

  it.each(METADATA_BOUNDS)(
    'refuses %s of %i+1 characters with ValidationException',
    async (field, max) => {
      const message = expectXksError(await withField(field, max + 1)(), 400, 'ValidationException');
      expect(message).toBe(`requestMetadata.${field}: longer than ${max} characters`);
    },
  );

  it('refuses a 200 KB kmsRequestId on GetHealthStatus too', async () => {
    const res = await sendXks(t.a, healthPath(t.a), {
      requestMetadata: { kmsRequestId: 'r'.repeat(200_000), kmsOperation: 'KmsHealthCheck' },
    });
    expect(expectXksError(res, 400, 'ValidationException')).toMatch(/kmsRequestId: longer than/);
  });
});

describe('InvalidCiphertextException (400)', () => {
  it('decrypts the untouched samples (control case)', async () => {
    expectOk(await decFoo(() => ({}))());
    expectOk(
      await dec(
        'foo',
        () => noAad,
        () => ({}),
      )(),
    );
  });

  it.each(cipherCases)('$name', async (c) => {
    expectXksError(await c.run(), c.status, c.errorName);
  });
});
