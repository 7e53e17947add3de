// @ts-check
// Starting the processes under test: the built xkslab binary and the bare node:http baseline.
// Both run as separate processes on 127.0.0.1; the load generator is a third process.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  b64,
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
  send,
  signXksRequest,
  unb64,
} from '@xkslab/conformance/testing';
import { BENCH_DIR, MAIN_JS } from './common.mjs';

export const REGION = 'us-east-1';
export const PREFIX = '/bench/ks';
export const SERVICE = 'kms-xks-proxy';

/** @typedef {import('@xkslab/conformance/testing').XksTarget['credential']} Credential */
const START_TIMEOUT_MS = 600_000;

export function assertBuilt() {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run 'pnpm build' first`);
}

/** @param {string} label */
export async function tempDir(label) {
  return mkdtemp(join(tmpdir(), `xkslab-bench-${label}-`));
}

/**
 * A seed with one module, `keys` keys k0..k(n-1) and one key store on PREFIX.
 * @param {Credential} credential
 * @param {{ module?: string; keys?: number }} [options]
 */
export function benchSeed(credential, { module = 'bench', keys = 1 } = {}) {
  return {
    modules: [
      {
        name: module,
        nodes: 1,
        keys: Array.from({ length: keys }, (_, i) => ({
          id: `k${i}`,
          usage: ['ENCRYPT', 'DECRYPT'],
        })),
      },
    ],
    keyStores: [
      { name: 'bench', uriPathPrefix: PREFIX, region: REGION, module, credentials: [credential] },
    ],
  };
}

/**
 * Starts `xkslab serve` on 127.0.0.1, port 0; resolves when stderr announces `listening on`.
 * stdout (one JSON log line per request) goes to /dev/null: the server still formats and writes
 * every line, as it would to a log file.
 * @param {{
 *   dataDir: string,
 *   seed?: unknown,
 *   args?: string[],
 *   env?: Record<string, string>,
 *   nodeArgs?: string[],
 *   mainJs?: string,
 * }} options
 */
export async function startXkslab({
  dataDir,
  seed,
  args = [],
  env = {},
  nodeArgs = [],
  mainJs = MAIN_JS,
}) {
  assertBuilt();
  const cliArgs = ['serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', ...args];
  if (seed !== undefined) {
    const seedFile = join(dataDir, '..', `${randomUUID()}.seed.json`);
    await writeFile(seedFile, JSON.stringify(seed));
    cliArgs.push('--seed', seedFile);
  }
  const started = performance.now();
  /** @type {NodeJS.ProcessEnv} */
  const childEnv = { ...process.env, ...env };
  delete childEnv.XKSLAB_MASTER_KEY;
  const child = spawn(process.execPath, [...nodeArgs, mainJs, ...cliArgs], {
    env: { ...childEnv, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise((done) =>
    child.once('close', (code, signal) => done({ code, signal })),
  );
  const url = await new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`xkslab did not start in time: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.stderr.setEncoding('utf8').on('data', (s) => {
      stderr += s;
      const m = / listening on (https?:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        done(m[1]);
      }
    });
    void exited.then((s) => {
      clearTimeout(timer);
      fail(new Error(`xkslab exited (${s.code ?? s.signal}) before listening: ${stderr}`));
    });
  });
  const startupMs = performance.now() - started;
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    pid: child.pid,
    startupMs,
    stderr: () => stderr,
    /** @param {NodeJS.Signals} [signal] */
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
  };
}

/**
 * Starts bench/load/bare-server.mjs (node:http, or https with `tls`) and resolves with its port.
 * @param {{ tls?: { cert: string, key: string } | undefined, nodeArgs?: string[] }} [options]
 */
export function startBare({ tls, nodeArgs = [] } = {}) {
  return startBaseline('bare-server.mjs', tls ? [tls.cert, tls.key] : [], nodeArgs);
}

/** Starts bench/load/hono-server.mjs, the framework floor, and resolves with its port. */
export function startHono() {
  return startBaseline('hono-server.mjs', []);
}

/** The case name of the XKS floor in the bench tables (the rate bench also takes ratios to it). */
export const FLOOR_CASE = 'XKS encrypt floor (no framework)';

/**
 * Starts bench/load/floor-server.mjs, the floor of an XKS encrypt (SigV4, AES-GCM, a log line and
 * an audit line on bare node:http), for `credential`; it writes its lines into `dir`.
 * @param {Credential} credential @param {string} dir @param {string[]} [nodeArgs]
 */
export function startFloor(credential, dir, nodeArgs = []) {
  return startBaseline(
    'floor-server.mjs',
    [
      credential.accessKeyId,
      credential.secretAccessKey,
      join(dir, 'floor.log'),
      join(dir, 'floor-audit.log'),
    ],
    nodeArgs,
  );
}

/**
 * Starts a baseline server script of bench/load (it prints `... port N` once listening), with
 * `nodeArgs` for node itself (a profiler's flags).
 * @param {string} script @param {string[]} args @param {string[]} [nodeArgs]
 */
async function startBaseline(script, args, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, join(BENCH_DIR, 'load', script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((done, fail) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s) => {
      out += s;
      const m = /port (\d+)/.exec(out);
      if (m) done(Number(m[1]));
    });
    child.once('close', () => fail(new Error(`${script} exited before listening`)));
  });
  return {
    port,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    },
  };
}

/**
 * A self-signed certificate for 127.0.0.1 made with the openssl CLI, or undefined without it.
 * @param {string} dir
 */
export async function selfSignedCert(dir) {
  const cert = join(dir, 'bench-cert.pem');
  const key = join(dir, 'bench-key.pem');
  const ok = await new Promise((done) => {
    const p = spawn(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    p.once('error', () => done(false));
    p.once('close', (code) => done(code === 0));
  });
  return ok ? { cert, key } : undefined;
}

/** @param {string | undefined} dir */
export async function removeDir(dir) {
  if (dir) await rm(dir, { recursive: true, force: true });
}

// ---- requests: built, signed and sent by the test kit (@xkslab/conformance/testing) ----------

const PLAINTEXT_BYTES = 200;
const AAD_BYTES = 64;
const SEND_TIMEOUT_MS = 10_000;

/** @typedef {import('@xkslab/conformance/testing').Sealed & { aad: string }} SealedWithAad */
/** @typedef {{ method: string, path: string, headers: Record<string, string>, body: string }} PoolRequest */
/** @typedef {'health' | 'metadata' | 'encrypt' | 'encrypt-cdiv' | 'decrypt'} Operation */

/**
 * Body of one operation; `sealed` is an encrypt response with its AAD (for decrypt).
 * @param {Operation} op
 * @param {{ sealed?: SealedWithAad | undefined }} [input]
 */
export function operationBody(op, { sealed } = {}) {
  const fresh = () => ({ plaintext: randomBytes(PLAINTEXT_BYTES), aad: randomBytes(AAD_BYTES) });
  switch (op) {
    case 'health':
      return healthBody();
    case 'metadata':
      return metadataBody();
    case 'encrypt':
      return encryptBody(fresh());
    case 'encrypt-cdiv':
      // As KMS sends it: the proxy computes the CDIV and decrypts its output to verify it.
      return encryptBody({ ...fresh(), cdiv: true });
    case 'decrypt':
      if (sealed === undefined) throw new Error('a decrypt needs a sealed input');
      return decryptBody(sealed, unb64(sealed.aad));
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

/**
 * @param {Operation} op
 * @param {string} keyId
 */
export function operationPath(op, keyId) {
  const target = { prefix: PREFIX };
  if (op === 'health') return healthPath(target);
  return keyPath(target, keyId, op === 'encrypt-cdiv' ? 'encrypt' : op);
}

/**
 * One SigV4-signed request (headers host;x-amz-date as KMS signs them), ready to send. Signed
 * now: valid for the server's 5-minute skew window.
 * @param {{ port: number, credential: Credential, path: string, body: object, now?: Date }} input
 * @returns {PoolRequest}
 */
export function signed({ port, credential, path, body, now = new Date() }) {
  const req = signXksRequest({
    host: `127.0.0.1:${port}`,
    path,
    body,
    credential,
    region: REGION,
    now,
  });
  return { ...req, body: Buffer.from(req.body).toString('utf8') };
}

/**
 * A pool of `count` pre-signed requests of one operation, each with its own kmsRequestId (and,
 * for encrypt, its own random plaintext and AAD). `keyFor(i)` picks the key of request i.
 * @param {{
 *   port: number,
 *   credential: Credential,
 *   op: Operation,
 *   count: number,
 *   keyFor?: (i: number) => string,
 *   sealedFor?: (i: number, keyId: string) => SealedWithAad | undefined,
 * }} input
 */
export function signedPool({ port, credential, op, count, keyFor = () => 'k0', sealedFor }) {
  const now = new Date();
  return Array.from({ length: count }, (_, i) => {
    const keyId = keyFor(i);
    return signed({
      port,
      credential,
      now,
      path: operationPath(op, keyId),
      body: operationBody(op, { sealed: sealedFor?.(i, keyId) }),
    });
  });
}

/** Accepts the bench's self-signed and dev-tls certificates. */
const insecureAgent = new HttpsAgent({ rejectUnauthorized: false });

/**
 * Sends one signed request (http, or https without verification) and parses JSON.
 * @param {string} baseUrl
 * @param {PoolRequest} req
 */
export async function sendOnce(baseUrl, req) {
  const u = new URL(baseUrl);
  const https = u.protocol === 'https:';
  const port = Number(u.port);
  const res = await send(
    {
      protocol: https ? 'https:' : 'http:',
      hostname: '127.0.0.1',
      port,
      host: `127.0.0.1:${port}`,
      basePath: '',
      tls: {},
    },
    { ...req, body: Buffer.from(req.body) },
    { timeoutMs: SEND_TIMEOUT_MS, ...(https ? { agent: insecureAgent } : {}) },
  );
  const text = res.body.toString('utf8');
  return { status: res.status, text, json: safeJson(text) };
}

/** @param {string} text */
function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Encrypts `count` random 200-byte plaintexts under `keyId` (for decrypt pools).
 * @param {{ url: string, port: number, credential: Credential, keyId?: string, count: number }} input
 * @returns {Promise<SealedWithAad[]>}
 */
export async function sealMany({ url, port, credential, keyId = 'k0', count }) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const aad = randomBytes(AAD_BYTES);
    const req = signed({
      port,
      credential,
      path: operationPath('encrypt', keyId),
      body: encryptBody({ plaintext: randomBytes(PLAINTEXT_BYTES), aad }),
    });
    const res = await sendOnce(url, req);
    if (res.status !== 200)
      throw new Error(`encrypt for the decrypt pool: ${res.status} ${res.text}`);
    out.push({
      .../** @type {import('@xkslab/conformance/testing').Sealed} */ (res.json),
      aad: b64(aad),
    });
  }
  return out;
}
