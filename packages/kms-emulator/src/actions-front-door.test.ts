import { describe, expect, it } from 'vitest';
import { ready } from './testing/action-helpers.ts';
import { b64, rejection } from './testing/calls.ts';
import { createTestEmulator } from './testing/index.ts';

describe('the KMS JSON 1.1 front door', () => {
  it('refuses bad signatures with the exceptions AWS uses', async () => {
    const t = await createTestEmulator();
    const wrongSecret = t.clientWith({
      accessKeyId: 'AKIAXKSLABLOCALKMS01',
      secretAccessKey: 'not-the-secret-not-the-secret',
    });
    expect((await rejection(wrongSecret.call('ListKeys'))).name).toBe('InvalidSignatureException');
    const unknown = t.clientWith({
      accessKeyId: 'AKIAUNKNOWNUNKNOWN00',
      secretAccessKey: 'x'.repeat(40),
    });
    expect((await rejection(unknown.call('ListKeys'))).name).toBe('UnrecognizedClientException');
    const wrongRegion = t.clientWith(
      {
        accessKeyId: 'AKIAXKSLABLOCALKMS01',
        secretAccessKey: 'xkslab/local/kms/emulator/secret/not/for/aws',
      },
      'eu-west-1',
    );
    expect((await rejection(wrongRegion.call('ListKeys'))).name).toBe('InvalidSignatureException');
    const unsigned = await t.app.request('/', {
      method: 'POST',
      headers: {
        'x-amz-target': 'TrentService.ListKeys',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('answers unknown actions and invalid input in the AWS JSON error shape', async () => {
    const t = await createTestEmulator();
    const unknown = await rejection(t.client.call('NoSuchAction', {}));
    expect(unknown.name).toBe('UnknownOperationException');
    expect(unknown.status).toBe(400);
    const unserved = await rejection(t.client.call('ReplicateKey', {}));
    expect(unserved.name).toBe('UnsupportedOperationException');
    const invalid = await rejection(t.client.call('Encrypt', { Plaintext: b64('x') }));
    expect(invalid.name).toBe('ValidationException');
    expect(invalid.message).toBe(
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
    const big = await rejection(
      t.client.call('Encrypt', { KeyId: 'x', Plaintext: Buffer.alloc(4097).toString('base64') }),
    );
    expect(big.message).toMatch(/less than or equal to 4096/);
  });

  it('serves the metrics as Prometheus text and JSON', async () => {
    const t = await ready();
    await t.client.call('Encrypt', { KeyId: t.keyId, Plaintext: b64('x') });
    const text = await (await t.app.request('/metrics')).text();
    expect(text).toContain(
      `XksProxyLatency_count{CustomKeyStoreId="${t.ks}",KmsOperation="Encrypt",XksOperation="Encrypt"} 1`,
    );
    expect(text).toContain(`XksProxyCredentialAge{CustomKeyStoreId="${t.ks}"} 0`);
    const json = (await (await t.app.request('/metrics?format=json')).json()) as {
      keyManagerStates: unknown[];
    };
    expect(json.keyManagerStates).toEqual([
      expect.objectContaining({ CustomKeyStoreId: t.ks, Active: 1 }),
    ]);
  });
});
