import { signRequest } from '@xkslab/sigv4';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY } from './constants.ts';
import { handleKmsRequest } from './kms-handler.ts';
import { createTestEmulator, TEST_NOW } from './testing/index.ts';

function signed(body: string, headers: Record<string, string>) {
  const bytes = new TextEncoder().encode(body);
  const all = { host: 'kms.local', ...headers };
  const auth = signRequest(
    { method: 'POST', path: '/', headers: all, body: bytes },
    { accessKeyId: DEFAULT_ACCESS_KEY_ID, secretAccessKey: DEFAULT_SECRET_ACCESS_KEY },
    { region: 'us-east-1', service: 'kms', now: TEST_NOW, signedHeaders: Object.keys(all) },
  );
  return { method: 'POST', path: '/', headers: { ...all, ...auth }, body: bytes };
}

describe('the KMS request pipeline', () => {
  it('answers with x-amzn-RequestId and the JSON 1.1 content type', async () => {
    const { emulator } = await createTestEmulator();
    const res = await handleKmsRequest(
      emulator,
      signed('{}', {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'TrentService.ListKeys',
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(res.body)).toEqual({ Keys: [], Truncated: false });
  });

  it('refuses a body that is not a JSON object, a wrong content type and a missing target', async () => {
    const { emulator } = await createTestEmulator();
    const cases: Array<[string, Record<string, string>, string]> = [
      [
        'not json',
        { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
        'SerializationException',
      ],
      [
        '[1]',
        { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
        'SerializationException',
      ],
      [
        '{}',
        { 'content-type': 'application/json', 'x-amz-target': 'TrentService.ListKeys' },
        'SerializationException',
      ],
      [
        '{}',
        { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Other.ListKeys' },
        'UnknownOperationException',
      ],
    ];
    for (const [body, headers, expected] of cases) {
      const res = await handleKmsRequest(emulator, signed(body, headers));
      expect([body, res.status, JSON.parse(res.body).__type]).toEqual([body, 400, expected]);
      expect(res.headers['x-amzn-errortype']).toBe(expected);
    }
  });
});
