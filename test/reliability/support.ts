/**
 * Helpers of the reliability suites (`pnpm test:reliability`): short mode, raw HTTP calls, the
 * admin API client, RSS from /proc, and the audit verify CLI. XKS calls go through the test kit
 * (`@xkslab/conformance/testing`: request builders and a signed client).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Agent, request } from 'node:http';
import { join } from 'node:path';
import { signXksRequest, type XksTarget } from '@xkslab/conformance/testing';
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

/** The headers of an XKS POST signed as curl signs it (content-type;host;x-amz-date). */
export function signedHeaders(
  target: XksTarget,
  path: string,
  body: string,
  credential: Credential = target.credential,
): Record<string, string> {
  return signXksRequest({
    host: `127.0.0.1:${target.port}`,
    path,
    body,
    credential,
    region: target.region,
    style: 'curl',
  }).headers;
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

/** The entries of `<dataDir>/audit.log` (one JSON object a line; an unreadable line is skipped). */
export async function auditEntries(dataDir: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(join(dataDir, 'audit.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => parse(line))
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
}

export const randomBuf = (n: number) => randomBytes(n);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
