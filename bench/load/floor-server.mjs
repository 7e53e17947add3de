// @ts-check
// The floor of an XKS encrypt: the work the spec and the project's promises leave to any proxy,
// written straight on node:http with no framework, no stages, no metrics, no fault hooks and no
// key store. Per call it verifies SigV4 with the project's verifier (node:crypto hashes, signing
// keys cached, as xkslab does), parses the JSON body, encrypts the plaintext with AES-256-GCM
// under a fresh IV and the AAD (with xkslab's native addon, one OpenSSL context for the key, where
// it loads; node:crypto otherwise), writes one JSON log line and one hash-chained audit line
// (write(2) each, before the answer, as xkslab does) and answers compact JSON. Beside bare
// node:http it shows what share of a CPU target the XKS work itself takes.
//
//   node bench/load/floor-server.mjs ACCESS_KEY_ID SECRET LOG_FILE AUDIT_FILE
import { createCipheriv, createHmac, hash, randomBytes } from 'node:crypto';
import { openSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadAesGcm } from '@xkslab/aes-gcm-native';
import { SigningKeyCache, verifyRequest } from '@xkslab/sigv4';
import { listenBaseline } from './listen.mjs';

const [accessKeyId, secret, logPath, auditPath] = process.argv.slice(2);
if (!accessKeyId || !secret || !logPath || !auditPath) {
  throw new Error('usage: floor-server.mjs ACCESS_KEY_ID SECRET LOG_FILE AUDIT_FILE');
}
/** @type {import('@xkslab/sigv4').Sha256Functions} */
const sha = {
  sha256: (d) => hash('sha256', d, 'buffer'),
  hmacSha256: (k, d) => createHmac('sha256', k).update(d).digest(),
  sha256Hex: (d) => hash('sha256', d, 'hex'),
};
const cache = new SigningKeyCache(64, sha);
const resolveSecret = (/** @type {string} */ id) => (id === accessKeyId ? secret : undefined);
const key = randomBytes(32);
const log = openSync(logPath, 'a');
const audit = openSync(auditPath, 'a');
let chain = '0'.repeat(64);
const native = loadAesGcm().binding;
const context = native?.newContext();

/**
 * AES-256-GCM under `key`: ciphertext and tag, Base64.
 * @param {Buffer} iv @param {Buffer} plaintext @param {Buffer} aad
 */
function seal(iv, plaintext, aad) {
  if (native && context) {
    const sealed = native.encrypt(context, key, iv, plaintext, aad);
    const out = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    return {
      ciphertext: out.toString('base64', 0, plaintext.length),
      tag: out.toString('base64', plaintext.length),
    };
  }
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/**
 * The call's answer, or undefined when its signature does not verify.
 * @param {import('node:http').IncomingMessage} req @param {Buffer} body
 */
function encrypt(req, body) {
  const verified = verifyRequest(
    { method: req.method ?? '', path: req.url ?? '', headers: req.headersDistinct, body },
    {
      region: 'us-east-1',
      service: 'kms-xks-proxy',
      now: new Date(),
      resolveSecret,
      cache,
      hash: sha,
    },
  );
  if (!verified.ok) return undefined;
  const call = JSON.parse(body.toString('utf8'));
  const iv = randomBytes(12);
  const sealed = seal(
    iv,
    Buffer.from(call.plaintext, 'base64'),
    Buffer.from(call.additionalAuthenticatedData ?? '', 'base64'),
  );
  const meta = call.requestMetadata ?? {};
  const time = new Date().toISOString();
  writeSync(
    log,
    `${JSON.stringify({ time, msg: 'xks', path: req.url, kmsRequestId: meta.kmsRequestId, status: 200 })}\n`,
  );
  const entry = JSON.stringify({
    time,
    operation: 'Encrypt',
    principal: meta.awsPrincipalArn,
    kmsRequestId: meta.kmsRequestId,
    accessKeyId: verified.accessKeyId,
    prev: chain,
  });
  chain = hash('sha256', entry, 'hex');
  writeSync(audit, `${entry}\n`);
  return JSON.stringify({
    authenticationTag: sealed.tag,
    ciphertext: sealed.ciphertext,
    initializationVector: iv.toString('base64'),
  });
}

const server = createServer((req, res) => {
  /** @type {Buffer[]} */
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const answer = encrypt(
      req,
      chunks.length === 1 ? /** @type {Buffer} */ (chunks[0]) : Buffer.concat(chunks),
    );
    const body = answer ?? '{"errorName":"AuthenticationFailedException"}';
    res.writeHead(answer ? 200 : 401, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
listenBaseline(server, 'floor server');
