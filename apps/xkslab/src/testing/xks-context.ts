/** An XKS key store, its module and a way to run pipeline stages on a real Hono context (tests). */
import { SigningKeyCache, signRequest } from '@xkslab/sigv4';
import { MemoryRecordStore, nobleEngine, Vcm } from '@xkslab/vcm';
import { Hono } from 'hono';
import { KeyStoreRegistry } from '../keystores/registry.ts';
import { silentLogger } from '../logger.ts';
import { PolicyStore } from '../policies/policy-store.ts';
import { DEFAULT_LIMITS } from '../xks/limits.ts';
import type { XksIncoming } from '../xks/pipeline/context.ts';
import { rawRequestOf } from '../xks/raw-request.ts';
import type { XksDeps } from '../xks/route.ts';

export const CRED = { accessKeyId: 'AKIAXKSLABTESTKEY2345', secretAccessKey: 'a'.repeat(43) };
export const NOW = new Date('2026-11-28T12:00:00Z');
export const META = {
  awsPrincipalArn: 'arn:aws:iam::123456789012:user/alice',
  kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
  kmsOperation: 'Encrypt',
  kmsRequestId: 'req-1',
};

type SignOptions = {
  method?: string;
  secret?: string;
  accessKeyId?: string;
  signedAt?: Date;
  contentType?: string;
};

/** Key store 's' at prefix '/p' (eu-west-1) over module 'm' with key 'k'; policies allow all. */
export async function xksFixture(over: Partial<XksDeps> = {}) {
  const store = new MemoryRecordStore();
  const vcm = await Vcm.open({
    store,
    engine: nobleEngine,
    masterKey: new Uint8Array(32).fill(7),
    clock: () => NOW,
  });
  await vcm.createModule({ name: 'm' });
  await vcm.createKey('m', { id: 'k', usage: ['ENCRYPT', 'DECRYPT'] });
  const registry = await KeyStoreRegistry.load(store, vcm, () => NOW);
  await registry.create({
    name: 's',
    uriPathPrefix: '/p',
    region: 'eu-west-1',
    module: 'm',
    credentials: [CRED],
  });
  const policies = await PolicyStore.load(store);
  const deps: XksDeps = {
    vcm,
    registry,
    limits: DEFAULT_LIMITS,
    logger: silentLogger,
    clock: () => NOW,
    sigv4Cache: new SigningKeyCache(),
    moduleTimeoutMs: 1000,
    policies,
    ...over,
  };
  return { deps, vcm, registry, policies };
}

/** A SigV4-signed XKS request to http://localhost<path> with a JSON body. */
export function signedRequest(path: string, body: unknown, o: SignOptions = {}): Request {
  const method = o.method ?? 'POST';
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  const headers: Record<string, string> = {
    host: 'localhost',
    'content-type': o.contentType ?? 'application/json',
  };
  const signed = signRequest(
    { method, path, headers, body: method === 'GET' ? new Uint8Array(0) : bytes },
    {
      accessKeyId: o.accessKeyId ?? CRED.accessKeyId,
      secretAccessKey: o.secret ?? CRED.secretAccessKey,
    },
    { region: 'eu-west-1', service: 'kms-xks-proxy', now: o.signedAt ?? NOW },
  );
  return new Request(`http://localhost${path}`, {
    method,
    headers: { ...headers, ...signed },
    ...(method === 'GET' ? {} : { body: bytes }),
  });
}

/**
 * Runs `work` inside a Hono handler serving `request` (stages need the request's context) and
 * returns what it returned, or rejects with what it threw.
 */
export async function inContext<T>(
  deps: XksDeps,
  request: Request,
  work: (incoming: XksIncoming) => T | Promise<T>,
): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  const app = new Hono();
  app.all('*', async (c) => {
    const raw = rawRequestOf(c);
    const path = raw.target.split('?', 1)[0] ?? '';
    try {
      outcome = { ok: true, value: await work({ deps, http: c, raw, path, log: {} }) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    return c.body(null, 204);
  });
  await app.request(request);
  if (!outcome) throw new Error('the request never reached the handler');
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
