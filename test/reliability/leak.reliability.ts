/**
 * Secrets never leak: traffic with known plaintext, AAD and key material (a seed key with given
 * `material`), successful and failing calls alike (wrong AAD, tampered tag, bad Base64, disabled
 * key, bad signature), then every stdout/stderr line, the audit log and every answer body are
 * searched for those values raw, in Base64 and in hex. None may appear. The SigV4 secret and
 * request signatures are searched for too.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newCredential, sealedOf, type XksTarget, xksClient } from '@xkslab/conformance/testing';
import { describe, expect, it } from 'vitest';
import { removeDir, startXkslab } from '../support/binary.ts';
import { httpCall, type Reply, signedHeaders } from './support.ts';

const PREFIX = '/leak/ks';
const REGION = 'sa-east-1';

/** The forms a secret could take in text: raw (when printable), Base64 (and without padding), hex. */
function forms(bytes: Buffer): string[] {
  const b64 = bytes.toString('base64');
  const out = [
    b64,
    b64.replace(/=+$/, ''),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ];
  const raw = bytes.toString('utf8');
  if (/^[\x20-\x7e]{8,}$/.test(raw)) out.push(raw);
  // Base64 of the secret at another alignment would show as a run of its middle: check a long
  // inner piece of every 3-byte offset too.
  for (let shift = 1; shift < 3; shift++) {
    const inner = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString('base64')
      .slice(4, -4);
    if (inner.length >= 16) out.push(inner);
  }
  return out.filter((s) => s.length >= 8);
}

describe('secrets never leak', () => {
  it('keeps plaintext, AAD, key material, secrets and signatures out of logs, audit and errors', async () => {
    const material = randomBytes(32);
    const plaintext = Buffer.from(`LEAK-CANARY-PLAINTEXT-${randomBytes(12).toString('hex')}`);
    const aad = Buffer.from(`LEAK-CANARY-AAD-${randomBytes(12).toString('hex')}`);
    const credential = newCredential();
    const server = await startXkslab({
      seed: {
        modules: [
          {
            name: 'leak',
            keys: [
              { id: 'known', usage: ['ENCRYPT', 'DECRYPT'], material: material.toString('base64') },
              { id: 'off', usage: ['ENCRYPT', 'DECRYPT'], status: 'DISABLED' },
              { id: 'enc-only', usage: ['ENCRYPT'] },
            ],
          },
        ],
        keyStores: [
          {
            name: 'leak',
            uriPathPrefix: PREFIX,
            region: REGION,
            module: 'leak',
            credentials: [credential],
          },
        ],
      },
    });
    const bodies: Reply[] = [];
    const signatures: string[] = [];
    try {
      const target: XksTarget = { port: server.port, prefix: PREFIX, region: REGION, credential };
      const xks = xksClient(target);
      const keep = (r: Reply) => {
        bodies.push(r);
        return r;
      };
      for (let i = 0; i < 20; i++) {
        const enc = keep(await xks.encrypt('known', plaintext, aad));
        expect(enc.status).toBe(200);
        const sealed = sealedOf(enc);
        keep(await xks.decrypt('known', sealed, aad));
        keep(await xks.decrypt('known', sealed, Buffer.from('wrong aad'))); // InvalidCiphertext
        keep(
          await xks.decrypt(
            'known',
            { ...sealed, authenticationTag: 'AAAAAAAAAAAAAAAAAAAAAA==' },
            aad,
          ),
        );
        keep(await xks.encrypt('off', plaintext, aad)); // InvalidState
        keep(await xks.decrypt('enc-only', sealed, aad)); // InvalidKeyUsage
        keep(await xks.encrypt('missing', plaintext, aad)); // KeyNotFound
      }
      // A plaintext with a broken Base64 tail, an oversized field, and a bad signature.
      const path = `${PREFIX}/kms/xks/v1/keys/known/encrypt`;
      const badBodies = [
        JSON.stringify({
          plaintext: `${plaintext.toString('base64')}*`,
          aad: aad.toString('base64'),
        }),
        JSON.stringify({
          requestMetadata: {
            kmsRequestId: 'x',
            kmsOperation: 'Encrypt',
            awsPrincipalArn: 'a',
            kmsKeyArn: 'b',
          },
          plaintext: plaintext.toString('base64'),
          additionalAuthenticatedData: aad.toString('base64'),
          encryptionAlgorithm: 'AES_CBC',
        }),
        `{"plaintext":"${plaintext.toString('base64')}"`,
      ];
      for (const body of badBodies) {
        const headers = signedHeaders(target, path, body);
        signatures.push(headers.authorization ?? '');
        keep(await httpCall({ port: server.port, method: 'POST', path, headers, body }));
        const broken = { ...headers, authorization: `${headers.authorization}0` };
        keep(await httpCall({ port: server.port, method: 'POST', path, headers: broken, body }));
      }
    } finally {
      await server.stop({ removeDataDir: false });
    }
    const secrets: Record<string, string[]> = {
      plaintext: forms(plaintext),
      aad: forms(aad),
      material: forms(material),
      secretAccessKey: [credential.secretAccessKey],
      signature: signatures.map((a) => /Signature=([0-9a-f]+)/.exec(a)?.[1] ?? '').filter(Boolean),
    };
    const texts: Record<string, string> = {
      stdout: server.stdout(),
      stderr: server.stderr(),
      answers: bodies.map((b) => b.text).join('\n'),
    };
    const auditFile = join(server.dataDir, 'audit.log');
    if (existsSync(auditFile)) texts.audit = await readFile(auditFile, 'utf8');
    for (const f of await readdir(server.dataDir)) {
      if (/\.(log|json|txt)$/.test(f) && f !== 'audit.log') {
        texts[f] = await readFile(join(server.dataDir, f), 'utf8');
      }
    }
    const found: string[] = [];
    for (const [where, text] of Object.entries(texts)) {
      for (const [what, variants] of Object.entries(secrets)) {
        // Answers carry the plaintext back on a successful decrypt by design: only error bodies.
        const haystack =
          where === 'answers'
            ? bodies
                .filter((b) => b.status !== 200)
                .map((b) => b.text)
                .join('\n')
            : text;
        for (const v of variants) if (haystack.includes(v)) found.push(`${what} in ${where}`);
      }
    }
    console.log(
      `leak: searched ${Object.keys(texts).join(', ')} (${Object.values(texts).reduce((a, t) => a + t.length, 0)} chars, ${bodies.length} answers) for ${Object.values(secrets).flat().length} secret forms`,
    );
    await removeDir(server.dataDir);
    expect(found).toEqual([]);
    expect(texts.stdout?.length ?? 0).toBeGreaterThan(0);
  });
});
