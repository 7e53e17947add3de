/**
 * Checks the CLI end-to-end tests share: one-line errors, directory listings, file modes.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { expect } from 'vitest';

/** One line on stderr, starting with `xkslab: `. */
export function expectOneLineError(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^xkslab: \S/);
  return lines[0] ?? '';
}

export async function listDir(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}

export function mode(s: { mode: number }): number {
  return s.mode & 0o777;
}

export type ProxyConfig = {
  XksProxyUriPath: string;
  XksProxyAuthenticationCredential: { AccessKeyId: string; RawSecretAccessKey: string };
};
