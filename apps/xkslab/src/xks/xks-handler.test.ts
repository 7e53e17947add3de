import { createCipheriv, createHash } from 'node:crypto';
import { MemoryRecordStore, type RecordStore } from '@xkslab/vcm';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import type { AuditEntryInput } from '../audit/audit-entry.ts';
import { type LogFields, silentLogger } from '../logger.ts';
import { META, signedRequest, xksFixture } from '../testing/xks-context.ts';

const MATERIAL = new Uint8Array(32).map((_, i) => i);

/** A RecordStore whose reads can be slowed down or broken, to reach the dependency errors. */
class FaultyStore implements RecordStore {
  mode: 'ok' | 'slow' | 'broken' = 'ok';
  private readonly inner: RecordStore;
  constructor(inner: RecordStore) {
    this.inner = inner;
  }
  private async gate() {
    if (this.mode === 'slow') await new Promise((r) => setTimeout(r, 200));
    if (this.mode === 'broken') throw new Error('disk on fire');
  }
  async get(key: string) {
    await this.gate();
    return this.inner.get(key);
  }
  put(key: string, value: Uint8Array) {
    return this.inner.put(key, value);
  }
  del(key: string) {
    return this.inner.del(key);
  }
  batch(ops: Parameters<RecordStore['batch']>[0]) {
    return this.inner.batch(ops);
  }
  async list(o: Parameters<RecordStore['list']>[0]) {
    await this.gate();
    return this.inner.list(o);
  }
  close() {
    return this.inner.close();
  }
}

async function setup() {
  const store = new FaultyStore(new MemoryRecordStore());
  const lines: LogFields[] = [];
  const { deps, vcm } = await xksFixture(
    {
      logger: { ...silentLogger, info: (msg, f) => lines.push({ msg, ...f }) },
      moduleTimeoutMs: 50,
    },
    {
      store,
      keys: [
        { id: 'k', usage: ['ENCRYPT', 'DECRYPT'], material: MATERIAL },
        { id: 'enc-only', usage: ['ENCRYPT'] },
      ],
    },
  );
  const app = createApp(deps);
  const call = async (path: string, body: unknown) => {
    const res = await app.request(signedRequest(path, body));
    return { status: res.status, json: (await res.json()) as Record<string, string> };
  };
  return { store, vcm, call, lines };
}

describe('XKS handler (in process)', () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    env = await setup();
  });

  it('encrypts with the spec AAD construction, checkable with node:crypto', async () => {
    const aad = Buffer.from('context');
    const r = await env.call('/p/kms/xks/v1/keys/k/encrypt', {
      requestMetadata: META,
      plaintext: Buffer.from('hello').toString('base64'),
      encryptionAlgorithm: 'AES_GCM',
      additionalAuthenticatedData: aad.toString('base64'),
      ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
    });
    expect(r.status).toBe(200);
    const iv = Buffer.from(r.json.initializationVector as string, 'base64');
    const md = Buffer.from(r.json.ciphertextMetadata as string, 'base64');
    const gcmAad = Buffer.concat([Buffer.from([0, aad.length]), aad, Buffer.from([md.length]), md]);
    const cipher = createCipheriv('aes-256-gcm', MATERIAL, iv);
    cipher.setAAD(gcmAad);
    const ct = Buffer.concat([cipher.update('hello'), cipher.final()]);
    expect(r.json.ciphertext).toBe(ct.toString('base64'));
    expect(r.json.authenticationTag).toBe(cipher.getAuthTag().toString('base64'));
    const cdiv = createHash('sha256')
      .update(Buffer.concat([aad, md, iv, ct, cipher.getAuthTag()]))
      .digest();
    expect(r.json.ciphertextDataIntegrityValue).toBe(cdiv.toString('base64'));
  });

  it('refuses CDIV on an encrypt-only key with InvalidKeyUsageException (verifying decrypt)', async () => {
    const body = { requestMetadata: META, plaintext: 'AAAA', encryptionAlgorithm: 'AES_GCM' };
    expect((await env.call('/p/kms/xks/v1/keys/enc-only/encrypt', body)).status).toBe(200);
    const r = await env.call('/p/kms/xks/v1/keys/enc-only/encrypt', {
      ...body,
      ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
    });
    expect(r).toMatchObject({ status: 400, json: { errorName: 'InvalidKeyUsageException' } });
  });

  it('answers DependencyTimeoutException (503) when the module is slower than the deadline', async () => {
    env.store.mode = 'slow';
    const r = await env.call('/p/kms/xks/v1/health', {
      requestMetadata: { kmsRequestId: 'r', kmsOperation: 'KmsHealthCheck' },
    });
    expect(r).toMatchObject({ status: 503, json: { errorName: 'DependencyTimeoutException' } });
  });

  it('answers InternalException (500) when the module storage fails, without the cause', async () => {
    await env.vcm
      .createKey('m', { id: 'cold', usage: ['ENCRYPT', 'DECRYPT'] })
      .catch(() => undefined);
    env.store.mode = 'broken';
    const r = await env.call('/p/kms/xks/v1/keys/not-cached/metadata', { requestMetadata: META });
    expect(r.status).toBe(500);
    expect(r.json.errorName).toBe('InternalException');
    expect(JSON.stringify(r.json)).not.toContain('disk on fire');
  });

  it('writes one log line per call with the request id and outcome', async () => {
    await env.call('/p/kms/xks/v1/keys/nope/metadata', { requestMetadata: META });
    expect(env.lines.at(-1)).toMatchObject({
      msg: 'xks',
      operation: 'GetKeyMetadata',
      keyStore: 's',
      keyId: 'nope',
      kmsRequestId: 'req-1',
      status: 404,
      errorName: 'KeyNotFoundException',
    });
  });

  it('logs and audits a key id longer than the spec allows as its first 128 characters', async () => {
    const entries: AuditEntryInput[] = [];
    const { deps } = await xksFixture({
      logger: { ...silentLogger, info: (msg, f) => env.lines.push({ msg, ...f }) },
      audit: { append: async (entry) => void entries.push(entry) },
    });
    const app = createApp(deps);
    const keyId = 'a'.repeat(2000);
    const res = await app.request(
      signedRequest(
        `/p/kms/xks/v1/keys/${keyId}/metadata`,
        { requestMetadata: META },
        { secret: 'wrong' },
      ),
    );
    expect(res.status).toBe(401);
    const clipped = `${'a'.repeat(128)}...`;
    expect(env.lines.at(-1)).toMatchObject({ msg: 'xks', keyId: clipped, status: 401 });
    expect(entries).toEqual([
      expect.objectContaining({ keyId: clipped, result: 'AuthenticationFailedException' }),
    ]);
    // A key id of the spec's longest length is logged as sent.
    const longest = 'b'.repeat(128);
    await app.request(
      signedRequest(`/p/kms/xks/v1/keys/${longest}/metadata`, { requestMetadata: META }),
    );
    expect(env.lines.at(-1)).toMatchObject({ keyId: longest, status: 404 });
  });
});
