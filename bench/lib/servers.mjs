// Starting the processes under test: the built xkslab binary and the bare node:http baseline.
// Both run as separate processes on 127.0.0.1; the load generator is a third process.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signRequest } from '@xkslab/sigv4';
import { BENCH_DIR, MAIN_JS } from './common.mjs';

export const REGION = 'us-east-1';
export const PREFIX = '/bench/ks';
export const SERVICE = 'kms-xks-proxy';
const START_TIMEOUT_MS = 600_000;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export function newCredential() {
  let accessKeyId = '';
  for (const b of randomBytes(24)) accessKeyId += BASE32[b & 31];
  return { accessKeyId, secretAccessKey: randomBytes(32).toString('base64') };
}

export function assertBuilt() {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run 'pnpm build' first`);
}

export async function tempDir(label) {
  return mkdtemp(join(tmpdir(), `xkslab-bench-${label}-`));
}

/** A seed with one module, `keys` keys k0..k(n-1) and one key store on PREFIX. */
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

/** Reads VmRSS (KiB → MiB) of a running process from /proc. */
export async function rssMiB(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat. */
export async function cpuMs(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), i.e. 11 and 12 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory split: anonymous (heap, buffers) and file-backed (mmapped LevelDB tables). */
export async function memoryMiB(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (name) =>
      Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { rss: Number.NaN, anon: Number.NaN, file: Number.NaN };
  }
}

/**
 * Starts `xkslab serve` on 127.0.0.1, port 0; resolves when stderr announces `listening on`.
 * stdout (one JSON log line per request) goes to /dev/null: the server still formats and writes
 * every line, as it would to a log file.
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
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
  };
}

/** Starts bench/load/bare-server.mjs (node:http, or https with `tls`) and resolves with its port. */
export async function startBare({ tls } = {}) {
  const args = [join(BENCH_DIR, 'load', 'bare-server.mjs')];
  if (tls) args.push(tls.cert, tls.key);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((done, fail) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s) => {
      out += s;
      const m = /port (\d+)/.exec(out);
      if (m) done(Number(m[1]));
    });
    child.once('close', () => fail(new Error('bare server exited before listening')));
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

/** A self-signed certificate for 127.0.0.1 made with the openssl CLI, or undefined without it. */
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

export async function removeDir(dir) {
  if (dir) await rm(dir, { recursive: true, force: true });
}

// ---- requests ---------------------------------------------------------------------------------

const PLAINTEXT_BYTES = 200;
const AAD_BYTES = 64;

export function requestMetadata(kmsOperation) {
  return {
    awsPrincipalArn: 'arn:aws:iam::123456789012:role/xkslab-bench',
    kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    kmsOperation,
    kmsRequestId: randomUUID(),
  };
}

/** Body of one operation; `sealed` is an encrypt response (for decrypt). */
export function operationBody(op, { plaintext, aad, sealed } = {}) {
  switch (op) {
    case 'health':
      return {
        requestMetadata: { kmsRequestId: randomUUID(), kmsOperation: 'KmsHealthCheck' },
      };
    case 'metadata':
      return { requestMetadata: requestMetadata('DescribeKey') };
    case 'encrypt':
      return {
        requestMetadata: requestMetadata('Encrypt'),
        plaintext: (plaintext ?? randomBytes(PLAINTEXT_BYTES)).toString('base64'),
        additionalAuthenticatedData: (aad ?? randomBytes(AAD_BYTES)).toString('base64'),
        encryptionAlgorithm: 'AES_GCM',
      };
    case 'encrypt-cdiv':
      // As KMS sends it: the proxy computes the CDIV and decrypts its output to verify it.
      return {
        ...operationBody('encrypt', { plaintext, aad }),
        ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
      };
    case 'decrypt':
      return {
        requestMetadata: requestMetadata('Decrypt'),
        ciphertext: sealed.ciphertext,
        initializationVector: sealed.initializationVector,
        authenticationTag: sealed.authenticationTag,
        additionalAuthenticatedData: sealed.aad,
        ...(sealed.ciphertextMetadata ? { ciphertextMetadata: sealed.ciphertextMetadata } : {}),
        encryptionAlgorithm: 'AES_GCM',
      };
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

export function operationPath(op, keyId) {
  if (op === 'health') return `${PREFIX}/kms/xks/v1/health`;
  return `${PREFIX}/kms/xks/v1/keys/${keyId}/${op === 'encrypt-cdiv' ? 'encrypt' : op}`;
}

/**
 * One SigV4-signed request (headers host;x-amz-date as KMS signs them), ready to send. Signed
 * now: valid for the server's 5-minute skew window.
 */
export function signed({ port, credential, path, body, now = new Date() }) {
  const text = JSON.stringify(body);
  const bytes = Buffer.from(text);
  const host = `127.0.0.1:${port}`;
  const headers = { host, 'content-type': 'application/json' };
  const auth = signRequest({ method: 'POST', path, headers, body: bytes }, credential, {
    region: REGION,
    service: SERVICE,
    now,
  });
  return {
    method: 'POST',
    path,
    headers: {
      host,
      'content-type': 'application/json',
      'x-amz-date': auth['x-amz-date'],
      authorization: auth.authorization,
    },
    body: text,
  };
}

/**
 * A pool of `count` pre-signed requests of one operation, each with its own kmsRequestId (and,
 * for encrypt, its own random plaintext and AAD). `keyFor(i)` picks the key of request i.
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

/** Sends one signed request with fetch (http or https without verification) and parses JSON. */
export async function sendOnce(baseUrl, req) {
  const { request } = await import(baseUrl.startsWith('https') ? 'node:https' : 'node:http');
  const u = new URL(baseUrl);
  return new Promise((done, fail) => {
    const r = request(
      {
        host: '127.0.0.1',
        port: u.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, 'content-length': Buffer.byteLength(req.body) },
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (s) => {
          text += s;
        });
        res.on('end', () => done({ status: res.statusCode, text, json: safeJson(text) }));
      },
    );
    r.on('error', fail);
    r.end(req.body);
  });
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Encrypts `count` random 200-byte plaintexts under `keyId` (for decrypt pools). */
export async function sealMany({ url, port, credential, keyId = 'k0', count }) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const aad = randomBytes(AAD_BYTES);
    const req = signed({
      port,
      credential,
      path: operationPath('encrypt', keyId),
      body: operationBody('encrypt', { aad }),
    });
    const res = await sendOnce(url, req);
    if (res.status !== 200)
      throw new Error(`encrypt for the decrypt pool: ${res.status} ${res.text}`);
    out.push({ ...res.json, aad: aad.toString('base64') });
  }
  return out;
}
