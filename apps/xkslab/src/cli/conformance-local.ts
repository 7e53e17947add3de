import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Credentials } from '@xkslab/sigv4';
import {
  type ConformanceKeys,
  createConformanceKeys,
  type KeyFacts,
} from '../keys/conformance-keys.ts';
import {
  ADMIN_JSON_FILE,
  AdminCallError,
  AdminClient,
  type AdminTarget,
  resolveAdminTarget,
} from './admin-client.ts';
import { CommandError } from './command-io.ts';
import { UsageError } from './flags.ts';

/** What `xkslab conformance --local` tests, found through the data directory and the admin API. */
export type LocalTarget = {
  keyStore: string;
  module: string;
  url: string;
  region: string;
  credential: Credentials;
  secondCredential: Credentials;
  keys: ConformanceKeys;
  /** Test keys and temporary credentials made for this run: `cleanup` removes them. */
  createdKeys: string[];
  createdCredentials: string[];
};

/** What a --local run has made so far (filled step by step, so a failed step leaves no trace). */
export type LocalMade = {
  client?: AdminClient;
  keyStore?: string;
  module?: string;
  keys: string[];
  credentials: string[];
};

type KeyStoreView = { name: string; uriPath: string; region: string; module: string };
type CreatedCredential = { accessKeyId: string; secretAccessKey: string };

/** The first start's key store, tested when there are several and no --keystore. */
const DEFAULT_KEY_STORE = 'default';
const KEYS_PAGE = 1000;

/**
 * The XKS URL `serve` wrote into admin.json beside the admin URL. Servers from before that field
 * served both on one listener (plain HTTP, no --admin-port): the admin URL is the XKS URL then.
 */
async function xksBaseUrl(dataDir: string, admin: AdminTarget): Promise<string> {
  try {
    const parsed = JSON.parse(await readFile(join(dataDir, ADMIN_JSON_FILE), 'utf8')) as {
      xksUrl?: unknown;
    };
    if (typeof parsed.xksUrl === 'string') return parsed.xksUrl.replace(/\/+$/, '');
  } catch {
    // resolveAdminTarget has read the same file: only a server rewriting it right now lands here.
  }
  return admin.url;
}

/** --keystore, else the only key store, else `default`; several and none of those: a list. */
export function pickKeyStore(
  stores: readonly KeyStoreView[],
  wanted: string | undefined,
): KeyStoreView {
  const names = stores.map((s) => s.name).join(', ');
  if (wanted !== undefined) {
    const found = stores.find((s) => s.name === wanted);
    if (!found) {
      throw new UsageError(
        stores.length
          ? `--keystore: no key store named '${wanted}'; this xkslab has: ${names}`
          : `--keystore: no key store named '${wanted}'; this xkslab has none`,
      );
    }
    return found;
  }
  const only = stores.length === 1 ? stores[0] : stores.find((s) => s.name === DEFAULT_KEY_STORE);
  if (only) return only;
  if (stores.length === 0) {
    throw new CommandError(
      'this xkslab has no key store to test: create one (xkslab keystores create NAME ...)',
    );
  }
  throw new UsageError(
    `this xkslab has ${stores.length} key stores; pick one with --keystore NAME: ${names}`,
  );
}

/**
 * Finds the running server through `dataDir`, picks the key store, adds two temporary
 * credentials and the test keys its module lacks. Temporary credentials, always: the admin API
 * never shows an existing secret (it is sealed in the database), kms-proxy-config.json holds only
 * the first start's, possibly revoked since, and the rotation check needs a second one anyway. What it made is in the returned target, or, when
 * a step fails, in `made` so far: the caller removes it with `cleanupLocalTarget` in any case.
 */
export async function prepareLocalTarget(params: {
  dataDir: string;
  keyStore: string | undefined;
  given: Partial<ConformanceKeys>;
  suffix: string;
  made: LocalMade;
  /** Runs once the XKS URL is known, before anything is made (a reachability check). */
  beforeChanges?: (url: string) => Promise<void>;
  fetchImpl?: typeof fetch;
}): Promise<LocalTarget> {
  const { dataDir, made } = params;
  const start = `start it with \`pnpm start\` or \`xkslab serve --data-dir ${dataDir}\``;
  const file = join(dataDir, ADMIN_JSON_FILE);
  if (!existsSync(file)) {
    throw new CommandError(
      `no xkslab serves from ${dataDir} (${file} is missing): ${start}, or pass --data-dir DIR`,
    );
  }
  const admin = await resolveAdminTarget({ dataDir });
  const client = new AdminClient(admin, params.fetchImpl);
  const { keyStores } = await client
    .call<{ keyStores: KeyStoreView[] }>('GET', '/keystores')
    .catch((e: unknown) => {
      if (e instanceof CommandError && !(e instanceof AdminCallError)) {
        throw new CommandError(
          `nothing listens at ${admin.url}; is xkslab serve running? (${start})`,
        );
      }
      throw e;
    });
  const ks = pickKeyStore(keyStores, params.keyStore);
  const url = `${await xksBaseUrl(dataDir, admin)}${ks.uriPath}`;
  // Nothing is made for a run that could not reach the XKS endpoint anyway.
  await params.beforeChanges?.(url);
  made.client = client;
  made.keyStore = ks.name;
  made.module = ks.module;
  const credentialsPath = `/keystores/${encodeURIComponent(ks.name)}/credentials`;
  const newCredential = async (): Promise<Credentials> => {
    const c = await client.call<CreatedCredential>('POST', credentialsPath);
    made.credentials.push(c.accessKeyId);
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
  };
  const credential = await newCredential();
  const secondCredential = await newCredential();
  const keysPath = (m: string) => `/modules/${encodeURIComponent(m)}/keys`;
  const { keys } = await createConformanceKeys(
    {
      listKeys: async (m) =>
        (await client.call<{ keys: KeyFacts[] }>('GET', `${keysPath(m)}?limit=${KEYS_PAGE}`)).keys,
      createKey: async (m, id, usage) => {
        await client.call('POST', keysPath(m), { id, usage, exportable: false });
      },
      disableKey: async (m, id) => {
        await client.call('POST', `${keysPath(m)}/${encodeURIComponent(id)}/disable`);
      },
    },
    ks.module,
    { suffix: params.suffix, given: params.given, onCreated: (id) => made.keys.push(id) },
  );
  if (keys.keyId === undefined) {
    throw new CommandError(`module ${ks.module} has no key with ENCRYPT and DECRYPT`);
  }
  return {
    keyStore: ks.name,
    module: ks.module,
    url,
    region: ks.region,
    credential,
    secondCredential,
    keys,
    createdKeys: made.keys,
    createdCredentials: made.credentials,
  };
}

/**
 * Destroys the test keys and revokes the temporary credentials a run made; never throws.
 * Returns one line per item it could not remove (with the command that removes it by hand).
 */
export async function cleanupLocalTarget(made: LocalMade): Promise<string[]> {
  const { client, keyStore, module } = made;
  const left: string[] = [];
  if (!client) return left;
  for (const id of made.keys) {
    const path = `/modules/${encodeURIComponent(module ?? '')}/keys/${encodeURIComponent(id)}`;
    await client.call('DELETE', `${path}?force=true`).catch((e: unknown) => {
      left.push(
        `test key ${id} in module ${module}: ${e instanceof Error ? e.message : String(e)} (DELETE /admin/v1${path}?force=true)`,
      );
    });
  }
  for (const id of made.credentials) {
    const path = `/keystores/${encodeURIComponent(keyStore ?? '')}/credentials/${encodeURIComponent(id)}`;
    await client.call('DELETE', path).catch((e: unknown) => {
      left.push(
        `temporary credential ${id} of key store ${keyStore}: ${e instanceof Error ? e.message : String(e)} (xkslab creds revoke ${keyStore} ${id})`,
      );
    });
  }
  return left;
}
