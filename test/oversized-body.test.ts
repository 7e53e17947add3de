/**
 * A body over the cap gets an answer the client can read (RFC 9112 §9.6): XKS answers
 * `501 UnsupportedOperationException`, the admin API `400 BODY_TOO_LARGE`, `xkslab kms` (the AWS
 * KMS emulator) `413 ValidationException` for its 1 MiB cap; then the server reads
 * and discards the rest of the body and closes the connection; it never resets it under a
 * client that is still sending. Four kinds of client send each size; any EPIPE or ECONNRESET,
 * even one after the answer, fails the test.
 *
 * Each size goes 50 times per client (about 45 s for the file on an idle 2-core machine; several
 * minutes on a busy one). XKSLAB_OVERSIZED_RUNS=N sends every size N times.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, adminFor } from './support/admin-api.ts';
import { startXkslab, type XkslabServer } from './support/binary.ts';
import { rawRequest } from './support/http-client.ts';
import { type KmsServer, startKms } from './support/kms.ts';
import { labSeed, PREFIX_A } from './support/lab-seed.ts';
import {
  curlPost,
  type LargePost,
  nodeHttpPost,
  type Seen,
  writeAllThenReadPost,
} from './support/large-body-clients.ts';

const MiB = 1024 * 1024;
/** xkslab's default caps: XKS request bodies, admin request bodies. */
const XKS_MAX_BODY_BYTES = 256 * 1024;
const ADMIN_MAX_BODY_BYTES = 64 * 1024;
const RUNS = 50;
/** XKSLAB_OVERSIZED_RUNS overrides every count. */
const FULL_RUNS = Number(process.env.XKSLAB_OVERSIZED_RUNS) || undefined;
const runsFor = FULL_RUNS ?? RUNS;
/** Runs at once: enough to overlap connections, few enough for a 2-core machine. */
const BATCH = 5;

type Api = {
  name: string;
  limit: number;
  post(body: Buffer): LargePost;
  /** A small request that must work after the oversized one (same keep-alive agent). */
  next(agent: Agent): Promise<number>;
  expected: { status: number; error: string; errorOf: (text: string) => string | undefined };
};

let server: XkslabServer;
let kms: KmsServer;
let admin: Admin;
let dir: string;
/** One buffer every request body is sliced from. */
const BODY = Buffer.alloc(64 * MiB, 0x61);
const files = new Map<number, string>();

const errorName = (text: string) => (JSON.parse(text) as { errorName?: string }).errorName;
const adminCode = (text: string) => (JSON.parse(text) as { error?: { code?: string } }).error?.code;

const xks: Api = {
  name: 'XKS',
  limit: XKS_MAX_BODY_BYTES,
  post: (body) => ({
    port: server.port,
    path: `${PREFIX_A}/kms/xks/v1/keys/foo/encrypt`,
    headers: { 'content-type': 'application/json' },
    body,
  }),
  next: async (agent) => {
    const seen = await nodeHttpPost(
      {
        port: server.port,
        path: `${PREFIX_A}/kms/xks/v1/health`,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from('{}'),
      },
      agent,
    );
    return seen.errors.length ? 0 : seen.status;
  },
  expected: { status: 501, error: 'UnsupportedOperationException', errorOf: errorName },
};

const adminApi: Api = {
  name: 'admin',
  limit: ADMIN_MAX_BODY_BYTES,
  post: (body) => ({
    port: admin.port,
    path: '/admin/v1/modules',
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
    body,
  }),
  next: async (agent) => {
    const seen = await nodeHttpPost(
      {
        port: admin.port,
        path: '/admin/v1/modules',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: Buffer.from('{}'),
      },
      agent,
    );
    return seen.errors.length ? 0 : seen.status;
  },
  expected: { status: 400, error: 'BODY_TOO_LARGE', errorOf: adminCode },
};

/** `xkslab kms`: the AWS KMS emulator's own 1 MiB cap, answered 413 ValidationException. */
const kmsApi: Api = {
  name: 'KMS emulator',
  limit: 1024 * 1024,
  post: (body) => ({
    port: Number(new URL(kms.url).port),
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'TrentService.ListKeys',
    },
    body,
  }),
  next: async (agent) => {
    const seen = await nodeHttpPost(
      {
        port: Number(new URL(kms.url).port),
        path: '/',
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: Buffer.from('{}'),
      },
      agent,
    );
    return seen.errors.length ? 0 : seen.status;
  },
  expected: {
    status: 413,
    error: 'ValidationException',
    errorOf: (text) => (JSON.parse(text) as { __type?: string }).__type,
  },
};

type Client =
  | 'node http agent:false'
  | 'node http keep-alive agent'
  | 'curl'
  | 'write-all-then-read';
const CLIENTS: Client[] = [
  'node http agent:false',
  'node http keep-alive agent',
  'curl',
  'write-all-then-read',
];

async function bodyFile(size: number): Promise<string> {
  let file = files.get(size);
  if (!file) {
    file = join(dir, `body-${size}`);
    await writeFile(file, BODY.subarray(0, size));
    files.set(size, file);
  }
  return file;
}

/** One oversized request by `client`; returns what went wrong, or undefined. */
async function once(api: Api, client: Client, size: number): Promise<string | undefined> {
  const post = api.post(BODY.subarray(0, size));
  let seen: Seen;
  let after = '';
  if (client === 'node http agent:false') seen = await nodeHttpPost(post, false);
  else if (client === 'curl') seen = await curlPost(post, await bodyFile(size));
  else if (client === 'write-all-then-read') seen = await writeAllThenReadPost(post);
  else {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      seen = await nodeHttpPost(post, agent);
      // The connection was either kept (and must work) or closed (and a fresh one must work).
      const status = await api.next(agent);
      if (status === 0 || status >= 500) after = `; the next request got ${status || 'an error'}`;
    } finally {
      agent.destroy();
    }
  }
  let error: string | undefined;
  try {
    error = api.expected.errorOf(seen.text);
  } catch {
    error = undefined;
  }
  if (
    seen.errors.length === 0 &&
    seen.status === api.expected.status &&
    error === api.expected.error &&
    after === ''
  ) {
    return undefined;
  }
  return `${seen.status} ${error ?? JSON.stringify(seen.text.slice(0, 80))} errors=[${seen.errors.join(',')}]${after}`;
}

/** `count` requests, `BATCH` at a time; resolves with each distinct failure and how often. */
async function runs(api: Api, client: Client, size: number, count: number): Promise<string[]> {
  const failures: Record<string, number> = {};
  for (let started = 0; started < count; started += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - started) }, () =>
      once(api, client, size),
    );
    for (const failure of await Promise.all(batch)) {
      if (failure) failures[failure] = (failures[failure] ?? 0) + 1;
    }
  }
  return Object.entries(failures).map(([failure, times]) => `${times}× ${failure}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xkslab-bodies-'));
  [server, kms] = await Promise.all([startXkslab({ seed: labSeed().seed }), startKms()]);
  admin = await adminFor(server.dataDir);
});

afterAll(async () => {
  await Promise.all([server?.stop(), kms?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sizes = (limit: number) => [limit + 1, 1 * MiB, 2 * MiB, 16 * MiB, 64 * MiB];
const label = (size: number) => (size % MiB === 0 ? `${size / MiB} MiB` : `${size} bytes`);

describe.each([xks, adminApi].map((api) => [api.name, api] as const))(
  '%s: a body over the cap is answered, drained and closed cleanly',
  (_, api) => {
    for (const client of CLIENTS) {
      it.each(sizes(api.limit).map((size) => [label(size), runsFor, size] as const))(
        `${client}, %s × %i: every answer read, no EPIPE or ECONNRESET`,
        async (_label, count, size) => {
          expect(await runs(api, client, size, count)).toEqual([]);
        },
        120_000,
      );
    }
  },
);

describe(`${kmsApi.name}: a body over the cap is answered, drained and closed cleanly`, () => {
  it.each(CLIENTS.map((client) => [client] as const))(
    '%s, 2 MiB and 16 MiB: every answer read, no EPIPE or ECONNRESET',
    async (client) => {
      expect(await runs(kmsApi, client, 2 * MiB, 10)).toEqual([]);
      expect(await runs(kmsApi, client, 16 * MiB, 5)).toEqual([]);
    },
    120_000,
  );
});

describe('a chunked body over the cap (no Content-Length) is answered too', () => {
  it.each([xks, adminApi, kmsApi].map((api) => [api.name, api] as const))(
    '%s',
    async (_name, api) => {
      const post = api.post(BODY.subarray(0, 2 * MiB));
      const res = await rawRequest({
        port: post.port,
        path: post.path,
        headers: post.headers,
        body: post.body,
        chunked: true,
      });
      expect({ status: res.status, error: api.expected.errorOf(res.text) }).toEqual({
        status: api.expected.status,
        error: api.expected.error,
      });
    },
  );
});

describe('after the oversized requests', () => {
  it('the server still answers', async () => {
    const res = await rawRequest({
      port: admin.port,
      method: 'GET',
      path: '/admin/v1/modules',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(res.status).toBe(200);
  });
});
