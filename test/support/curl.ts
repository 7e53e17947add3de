/**
 * Signer (b): curl's built-in SigV4 (`--aws-sigv4`), the signer AWS's XKS test client uses. curl
 * signs `content-type;host;x-amz-date`. The body goes through stdin (`--data-binary @-`), byte
 * for byte as with `@file`. And `curl`: curl as it is, for TLS handshakes and plain requests.
 */
import { execFile, spawn } from 'node:child_process';
import type { Credential } from './credentials.ts';
import { collectOutput } from './process-output.ts';
import { XKS_SERVICE } from './smithy-signer.ts';

export type CurlResponse = { status: number; contentType: string; text: string };

export type CurlRun = { code: number; stdout: string; stderr: string };

/** Runs curl with `args` (never throws): its exit code, output and error text. */
export function curl(args: readonly string[]): Promise<CurlRun> {
  return new Promise((done) => {
    execFile('curl', ['-sS', '--max-time', '10', ...args], (error, stdout, stderr) => {
      const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

const CURL_TIMEOUT_S = 10;

/** POSTs `body` to `url`, signed by curl for `region`; resolves with status, content type and text. */
export function curlXks(input: {
  url: string;
  region: string;
  service?: string;
  credential: Credential;
  body: string | Uint8Array;
  contentType?: string;
  /** More curl arguments, e.g. `--cacert`, `--cert`, `--key` for HTTPS. */
  extraArgs?: readonly string[];
}): Promise<CurlResponse> {
  const args = [
    ...(input.extraArgs ?? []),
    '-s',
    '--max-time',
    String(CURL_TIMEOUT_S),
    '--aws-sigv4',
    `aws:amz:${input.region}:${input.service ?? XKS_SERVICE}`,
    '--user',
    `${input.credential.accessKeyId}:${input.credential.secretAccessKey}`,
    '-H',
    `Content-Type: ${input.contentType ?? 'application/json'}`,
    '--data-binary',
    '@-',
    '-w',
    '\n%{http_code}\n%{content_type}',
    input.url,
  ];
  return new Promise((done, fail) => {
    const child = spawn('curl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = collectOutput(child);
    child.once('error', fail);
    child.once('close', (code) => {
      if (code !== 0) {
        fail(new Error(`curl exited with ${code}: ${out.stderr}`));
        return;
      }
      const lines = out.stdout.split('\n');
      const contentType = lines.pop() ?? '';
      const status = Number(lines.pop());
      done({ status, contentType, text: lines.join('\n') });
    });
    child.stdin.end(input.body);
  });
}
