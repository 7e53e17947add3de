/**
 * Helpers of the reliability suites (`pnpm test:reliability`): short mode, a keep-alive XKS caller
 * signed with @xkslab/sigv4, the admin API client, RSS from /proc, and the audit verify CLI.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Agent, request } from 'node:http';
import { join } from 'node:path';
import { signRequest } from '@xkslab/sigv4';
import { runXkslab } from '../support/binary.ts';
import type { Credential } from '../support/credentials.ts';

/** XKSLAB_RELIABILITY_SHORT=1: the CI version (fewer cycles, shorter runs). */
export const SHORT = process.env.XKSLAB_RELIABILITY_SHORT === '1';

export const XKS_ERROR_NAMES = new Set([
  'ValidationException',
  'InvalidStateException',
  'InvalidCiphertextException',
  'InvalidKeyUsageException',
  'AuthenticationFailedException',
  'AccessDeniedException',
  'KeyNotFoundException',
  'InvalidUriPathException',
  'ThrottlingException',
  'UnsupportedOperationException',
  'DependencyTimeoutException',
  'InternalException',
]);

export type Reply = { status: number; text: string; json: unknown };

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One HTTP request over a keep-alive agent (or a fresh connection when `agent` is false). */
export function httpCall(input: {
  port: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  agent?: Agent | false;
  timeoutMs?: number;
}): Promise<Reply> {
  const body = input.body === undefined ? undefined : Buffer.from(input.body);
  return new Promise((done, fail) => {
    const r = request(
      {
        host: '127.0.0.1',
        port: input.port,
        method: input.method,
        path: input.path,
        headers: {
          ...input.headers,
          ...(body ? { 'content-length': String(body.length) } : {}),
        },
        agent: input.agent ?? false,
        setHost: !Object.keys(input.headers).some((h) => h.toLowerCase() === 'host'),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          done({ status: res.statusCode ?? 0, text, json: parse(text) });
        });
        res.on('error', fail);
      },
    );
    r.setTimeout(input.timeoutMs ?? 10_000, () => r.destroy(new Error('request timed out')));
    r.on('error', fail);
    r.end(body);
  });
}

export type XksTarget = { port: number; prefix: string; region: string; credential: Credential };

/** Signs (host;content-type;x-amz-date) and POSTs an XKS body. */
export function signedHeaders(
  target: XksTarget,
  path: string,
  body: string,
  credential: Credential = target.credential,
): Record<string, string> {
  const headers = { host: `127.0.0.1:${target.port}`, 'content-type': 'application/json' };
  const auth = signRequest({ method: 'POST', path, headers, body: Buffer.from(body) }, credential, {
    region: target.region,
    service: 'kms-xks-proxy',
    now: new Date(),
    signedHeaders: ['content-type'],
  });
  return { ...headers, ...auth };
}

export function xksPath(target: XksTarget, keyId: string | undefined, op: string): string {
  return keyId === undefined
    ? `${target.prefix}/kms/xks/v1/health`
    : `${target.prefix}/kms/xks/v1/keys/${keyId}/${op}`;
}

export function metadataOf(kmsOperation: string) {
  return {
    awsPrincipalArn: 'arn:aws:iam::123456789012:role/xkslab-reliability',
    kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    kmsOperation,
    kmsRequestId: randomUUID(),
  };
}

export type Sealed = {
  ciphertext: string;
  initializationVector: string;
  authenticationTag: string;
  ciphertextMetadata?: string;
};

/** An XKS client for one key store: encrypt / decrypt / metadata with a keep-alive agent. */
export function xksClient(target: XksTarget, agent: Agent | false = false) {
  const call = (keyId: string | undefined, op: string, body: unknown, credential?: Credential) => {
    const path = xksPath(target, keyId, op);
    const text = JSON.stringify(body);
    return httpCall({
      port: target.port,
      method: 'POST',
      path,
      headers: signedHeaders(target, path, text, credential),
      body: text,
      agent,
    });
  };
  return {
    call,
    encrypt: (keyId: string, plaintext: Buffer, aad: Buffer, credential?: Credential) =>
      call(
        keyId,
        'encrypt',
        {
          requestMetadata: metadataOf('Encrypt'),
          plaintext: plaintext.toString('base64'),
          additionalAuthenticatedData: aad.toString('base64'),
          encryptionAlgorithm: 'AES_GCM',
        },
        credential,
      ),
    decrypt: (keyId: string, sealed: Sealed, aad: Buffer, credential?: Credential) =>
      call(
        keyId,
        'decrypt',
        {
          requestMetadata: metadataOf('Decrypt'),
          ciphertext: sealed.ciphertext,
          initializationVector: sealed.initializationVector,
          authenticationTag: sealed.authenticationTag,
          additionalAuthenticatedData: aad.toString('base64'),
          ...(sealed.ciphertextMetadata === undefined
            ? {}
            : { ciphertextMetadata: sealed.ciphertextMetadata }),
          encryptionAlgorithm: 'AES_GCM',
        },
        credential,
      ),
    metadata: (keyId: string) =>
      call(keyId, 'metadata', { requestMetadata: metadataOf('DescribeKey') }),
    health: () =>
      call(undefined, 'health', {
        requestMetadata: { kmsRequestId: randomUUID(), kmsOperation: 'KmsHealthCheck' },
      }),
  };
}

export function sealedOf(reply: Reply): Sealed {
  const j = reply.json as Sealed;
  return {
    ciphertext: j.ciphertext,
    initializationVector: j.initializationVector,
    authenticationTag: j.authenticationTag,
    ...(j.ciphertextMetadata === undefined ? {} : { ciphertextMetadata: j.ciphertextMetadata }),
  };
}

/** The admin API of a server started on `dataDir` (token from `<dataDir>/admin-token`). */
export async function adminClient(dataDir: string, port: number, agent: Agent | false = false) {
  const tokenFile = join(dataDir, 'admin-token');
  if (!existsSync(tokenFile)) return undefined;
  const token = (await readFile(tokenFile, 'utf8')).trim();
  return (method: string, path: string, body?: unknown): Promise<Reply> =>
    httpCall({
      port,
      method,
      path: `/admin/v1${path}`,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      agent,
    });
}
export type AdminCall = NonNullable<Awaited<ReturnType<typeof adminClient>>>;

/** Resident memory (MiB) of a process, from /proc. */
export async function rssMiB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** `xkslab audit verify --data-dir DIR` when this build has it: { ran, ok, output }. */
export async function auditVerify(dataDir: string) {
  const help = await runXkslab(['--help']);
  if (!/\baudit\b/.test(help.stdout)) return { ran: false, ok: true, output: 'no audit command' };
  const res = await runXkslab(['audit', 'verify', '--data-dir', dataDir], { timeoutMs: 60_000 });
  return { ran: true, ok: res.code === 0, output: `${res.stdout}${res.stderr}` };
}

export const randomBuf = (n: number) => randomBytes(n);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
