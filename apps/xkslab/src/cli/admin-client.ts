import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandError, errorCode } from './command-io.ts';

/** The files `xkslab serve` writes into the data directory for the CLI. */
export const ADMIN_JSON_FILE = 'admin.json';
export const ADMIN_TOKEN_FILE = 'admin-token';

export type AdminTarget = { url: string; token: string };

/**
 * Where the admin API is and the token for it: flags first, then the environment
 * (XKSLAB_ADMIN_URL, XKSLAB_ADMIN_TOKEN, read by main.ts), then what `serve` wrote into the data
 * directory (`admin.json`, `admin-token`).
 */
export async function resolveAdminTarget(options: {
  dataDir: string;
  url?: string | undefined;
  token?: string | undefined;
}): Promise<AdminTarget> {
  let url = options.url;
  if (url === undefined) {
    const file = join(options.dataDir, ADMIN_JSON_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new CommandError(
        `cannot find ${file} (${errorCode(e)}): start \`xkslab serve --data-dir ${options.dataDir}\` or pass --url`,
      );
    }
    const parsed = (() => {
      try {
        return JSON.parse(text) as { url?: unknown };
      } catch {
        return {};
      }
    })();
    if (typeof parsed.url !== 'string') throw new CommandError(`${file} has no "url"`);
    url = parsed.url;
  }
  let token = options.token;
  if (token === undefined) {
    const file = join(options.dataDir, ADMIN_TOKEN_FILE);
    try {
      token = (await readFile(file, 'utf8')).trim();
    } catch (e) {
      throw new CommandError(
        `cannot read the admin token ${file} (${errorCode(e)}): pass --token, set XKSLAB_ADMIN_TOKEN, or restart the server with --reset-admin-token`,
      );
    }
  }
  return { url: url.replace(/\/+$/, ''), token };
}

/** A failed admin call: the server's error code and message. */
export class AdminCallError extends CommandError {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(`${message} (${code})`);
    this.name = 'AdminCallError';
    this.status = status;
    this.code = code;
  }
}

/** A small client of the admin API: JSON in and out, errors as one clear line. */
export class AdminClient {
  readonly target: AdminTarget;
  private readonly fetchImpl: typeof fetch;

  constructor(target: AdminTarget, fetchImpl: typeof fetch = fetch) {
    this.target = target;
    this.fetchImpl = fetchImpl;
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.target.url}/admin/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.target.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(60_000),
      });
    } catch {
      throw new CommandError(
        `cannot reach xkslab at ${this.target.url}: is \`xkslab serve\` running?`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CommandError(
        `${this.target.url} answered ${res.status} without JSON: is it an xkslab admin API?`,
      );
    }
    if (!res.ok) {
      const error = (json as { error?: { code?: unknown; message?: unknown } }).error;
      throw new AdminCallError(
        res.status,
        typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`,
        typeof error?.message === 'string' ? error.message : `HTTP ${res.status}`,
      );
    }
    return json as T;
  }
}
