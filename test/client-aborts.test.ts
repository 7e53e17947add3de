/**
 * A client that closes its connection in the middle of its upload has not made an XKS call that
 * failed on the proxy's side: it is counted as a client abort (`xkslab_xks_client_aborts_total`),
 * logged at info level as the call's `xks` line with `clientAborted: true` and status 499, and not
 * written to the audit log (nothing was authenticated, performed or answered). It is never an
 * `InternalException` (which KMS would retry and an operator would page on).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { PREFIX_A } from './support/lab-seed.ts';
import { encryptOk } from './support/xks-ops.ts';

const { startLab } = useTempServers();
const ENCRYPT = `${PREFIX_A}/kms/xks/v1/keys/foo/encrypt`;
const ABORTS = 5;

/** Sends a request head announcing 4000 bytes, 1000 of them, then closes the connection. */
function abortedUpload(port: number): Promise<void> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST ${ENCRYPT} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n`,
      );
      socket.write(`{"plaintext":"${'A'.repeat(985)}`);
      setTimeout(() => socket.destroy(), 100);
    });
    socket.on('error', () => {});
    socket.on('close', () => done());
  });
}

describe('an upload the client aborts', () => {
  it('is a client abort in the metrics and the log, not a server error, and not audited', async () => {
    const { server, t } = await startLab();
    await encryptOk(t.a, 'foo', { plaintext: Buffer.from('before') });
    for (let i = 0; i < ABORTS; i++) await abortedUpload(server.port);
    const aborted = () => server.logs().filter((l) => l.msg === 'xks' && l.clientAborted === true);
    expect(await waitFor(() => aborted().length === ABORTS)).toBe(true);
    for (const line of aborted()) {
      expect(line).toMatchObject({ level: 'info', status: 499, operation: 'Encrypt' });
      expect(line.errorName).toBeUndefined();
    }
    expect(server.logs().filter((l) => l.level === 'error')).toEqual([]);

    const token = (await readFile(join(server.dataDir, 'admin-token'), 'utf8')).trim();
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    expect(metrics).toContain(`xkslab_xks_client_aborts_total{operation="Encrypt"} ${ABORTS}`);
    expect(metrics).not.toMatch(/xkslab_xks_errors_total\{[^}]*InternalException/);

    await encryptOk(t.a, 'foo', { plaintext: Buffer.from('after') });
    // Audit entries are written in the background: wait for the second Encrypt's.
    const encrypts = () =>
      readFileSync(join(server.dataDir, 'audit.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((e) => e.operation === 'Encrypt');
    await waitFor(() => encrypts().length >= 2);
    const xks = encrypts();
    expect(xks.map((e) => e.result)).toEqual(['ok', 'ok']);
  });
});
