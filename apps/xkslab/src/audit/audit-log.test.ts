import { readFileSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../logger.ts';
import { AuditLog, AuditLogError } from './audit-log.ts';
import { verifyChain } from './verify-chain.ts';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xkslab-audit-'));
  file = join(dir, 'audit.log');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const clock = () => new Date('2025-02-03T04:05:06Z');

function captureLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const logger: Logger = {
    info: (msg) => lines.push({ level: 'info', msg }),
    debug: (msg) => lines.push({ level: 'debug', msg }),
    warn: (msg) => lines.push({ level: 'warn', msg }),
    error: (msg) => lines.push({ level: 'error', msg }),
  };
  return { lines, logger };
}

describe('AuditLog', () => {
  it('creates the file 0600, appends in call order', async () => {
    const log = await AuditLog.open(file, { clock });
    for (let i = 0; i < 50; i++)
      void log.append({ operation: 'Encrypt', result: 'ok', keyId: `k${i}` });
    await log.flush();
    const text = await readFile(file, 'utf8');
    expect(verifyChain(text)).toMatchObject({ ok: true, entries: 50 });
    expect(text.split('\n')[9]).toContain('"keyId":"k9"');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await log.close();
  });

  it('has the entry in the file when append returns (what an answer waits for)', async () => {
    const log = await AuditLog.open(file, { clock });
    for (let i = 0; i < 5; i++) {
      await log.append({ operation: 'Encrypt', result: 'ok', kmsRequestId: `r${i}` });
      expect(readFileSync(file, 'utf8')).toContain(`"kmsRequestId":"r${i}"`);
    }
    await log.close();
  });

  it('continues the chain after a restart', async () => {
    const first = await AuditLog.open(file, { clock });
    await first.append({ operation: 'Encrypt', result: 'ok' });
    await first.append({ operation: 'Decrypt', result: 'InvalidCiphertextException' });
    await first.close();
    const second = await AuditLog.open(file, { clock });
    expect(second.head.seq).toBe(2);
    await second.append({ operation: 'GetHealthStatus', result: 'ok' });
    await second.close();
    expect(verifyChain(await readFile(file, 'utf8'))).toMatchObject({ ok: true, entries: 3 });
  });

  it('finds the head behind a last line longer than one read chunk', async () => {
    const first = await AuditLog.open(file, { clock });
    await first.append({ operation: 'admin:Note', result: 'ok', detail: 'x'.repeat(200_000) });
    await first.close();
    const second = await AuditLog.open(file, { clock });
    expect(second.head.seq).toBe(1);
    await second.close();
  });

  it('removes a torn last line at start and records that it did', async () => {
    const first = await AuditLog.open(file, { clock });
    await first.append({ operation: 'Encrypt', result: 'ok' });
    await first.close();
    await appendFile(file, '{"seq":2,"time":"2025-');
    const { lines, logger } = captureLogger();
    const second = await AuditLog.open(file, { clock, logger });
    await second.close();
    const text = await readFile(file, 'utf8');
    expect(verifyChain(text)).toMatchObject({ ok: true, entries: 2 });
    expect(text).toContain('"operation":"audit:TornWriteRemoved"');
    expect(lines.some((l) => l.level === 'warn')).toBe(true);
  });

  it('refuses to continue from an unreadable last line', async () => {
    await writeFile(file, 'not json\n');
    await expect(AuditLog.open(file, { clock })).rejects.toBeInstanceOf(AuditLogError);
  });

  it('drops (and logs) entries appended after close, without throwing', async () => {
    const { lines, logger } = captureLogger();
    const log = await AuditLog.open(file, { clock, logger });
    await log.close();
    expect(() => log.append({ operation: 'Encrypt', result: 'ok' })).not.toThrow();
    expect(lines.some((l) => l.level === 'error')).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('');
  });

  it('never throws on an entry it cannot hash, and keeps the chain intact', async () => {
    const { lines, logger } = captureLogger();
    const log = await AuditLog.open(file, { clock, logger });
    await log.append({ operation: 'Encrypt', result: 'ok', durationMs: Number.NaN });
    await log.append({ operation: 'Encrypt', result: 'ok' });
    await log.close();
    expect(lines.some((l) => l.msg.includes('refused'))).toBe(true);
    expect(verifyChain(await readFile(file, 'utf8'))).toMatchObject({ ok: true, entries: 1 });
  });
});
