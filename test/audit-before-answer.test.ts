/**
 * An answered call is in the audit file before its answer arrives: the moment the client has
 * an XKS answer or an admin change's answer, the file already holds its entry (read at once,
 * no polling). Calls go in concurrent bursts, as KMS sends them, so that many answers are
 * ready in the same event-loop turn of the server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encryptBody, keyPath, xksClient } from '@xkslab/conformance/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from './support/admin-api.ts';
import { useTempServers } from './support/fixture.ts';
import type { LabTargets } from './support/lab-seed.ts';

const BURSTS = 10;
const BURST_SIZE = 20;

let auditFile: string;
let t: LabTargets;
let admin: Admin;
const { startLab } = useTempServers();

beforeAll(async () => {
  const lab = await startLab();
  t = lab.t;
  admin = lab.admin;
  auditFile = join(lab.server.dataDir, 'audit.log');
});

/** What the audit file holds right now (read synchronously: nothing runs in between). */
const auditText = () => readFileSync(auditFile, 'utf8');

describe('audit entry before the answer', () => {
  it('holds every answered XKS call when its answer arrives', async () => {
    const xks = xksClient(t.a);
    const missing: string[] = [];
    let answered = 0;
    for (let burst = 0; burst < BURSTS; burst++) {
      await Promise.all(
        Array.from({ length: BURST_SIZE }, async () => {
          const body = encryptBody({ plaintext: Buffer.from('audited before answered') });
          const id = (body.requestMetadata as { kmsRequestId: string }).kmsRequestId;
          const res = await xks.post(keyPath(t.a, 'foo', 'encrypt'), body);
          const text = auditText();
          expect(res.status, res.text).toBe(200);
          answered++;
          if (!text.includes(`"kmsRequestId":"${id}"`)) missing.push(id);
        }),
      );
    }
    expect(answered).toBe(BURSTS * BURST_SIZE);
    expect(missing, 'answered XKS calls not yet in the audit file').toEqual([]);
  });

  it('holds every answered admin change when its answer arrives', async () => {
    const missing: string[] = [];
    for (let burst = 0; burst < BURSTS / 2; burst++) {
      await Promise.all(
        Array.from({ length: BURST_SIZE }, async (_, i) => {
          const id = `audited-${burst}-${i}`;
          const res = await admin.call('POST', '/modules/hsm-a/keys', {
            id,
            usage: ['ENCRYPT', 'DECRYPT'],
          });
          const text = auditText();
          expect(res.status, res.text).toBe(201);
          if (!text.includes(`"keyId":"${id}"`)) missing.push(id);
        }),
      );
    }
    expect(missing, 'answered key creations not yet in the audit file').toEqual([]);
  });
});
