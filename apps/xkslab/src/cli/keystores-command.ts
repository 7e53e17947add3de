import { writeFile } from 'node:fs/promises';
import type {
  CreatedCredential,
  CreateKeyStoreResponse,
  CredentialList,
  KeyStoreList,
  KeyStoreView,
} from '@xkslab/protocol';
import {
  arg,
  defineGroup,
  flagOption,
  type SubcommandRun,
  seg,
  stringOption,
  textOption,
} from './admin-command.ts';
import { CommandError, errorCode } from './command-io.ts';
import { UsageError } from './flags.ts';
import { formatFields, formatTable, shortTime } from './table.ts';

function keyStoreFields(k: KeyStoreView): string {
  return `${formatFields([
    ['name', k.name],
    ['uri path', k.uriPath],
    ['region', k.region],
    ['module', k.module],
    ['quota', k.maxRequestsPerSecond === null ? 'none' : `${k.maxRequestsPerSecond} requests/s`],
    ['blocked', k.blocked ? 'yes' : 'no'],
    ['policy', k.hasPolicy ? 'yes' : 'no'],
    ['created', shortTime(k.createdAt)],
  ])}\n${credentialTable(k.credentials)}`;
}

function credentialTable(credentials: CredentialList['credentials']): string {
  return formatTable(
    ['ACCESS KEY ID', 'CREATED', 'LAST USED', 'AGE (DAYS)'],
    credentials.map((c) => [
      c.accessKeyId,
      shortTime(c.createdAt),
      shortTime(c.lastUsedAt),
      String(c.ageDays),
    ]),
  );
}

/** Shows a new credential once, and writes the KMS console's proxy configuration when asked. */
async function showCredential(r: SubcommandRun, c: CreatedCredential): Promise<string> {
  const file = stringOption(r, 'proxy-config');
  if (file) {
    try {
      await writeFile(file, `${JSON.stringify(c.proxyConfiguration, null, 2)}\n`, { mode: 0o600 });
    } catch (e) {
      throw new CommandError(`cannot write ${file} (${errorCode(e)})`);
    }
  }
  return [
    `credential for key store ${c.keyStore} (the secret is shown this once):`,
    formatFields([
      ['access key id', c.accessKeyId],
      ['secret access key', c.secretAccessKey],
      ['proxy URI path', c.proxyConfiguration.XksProxyUriPath],
    ]).trimEnd(),
    ...(file ? [`proxy configuration file for the AWS KMS console: ${file}`] : []),
    '',
  ].join('\n');
}

const PROXY_CONFIG_OPTION = textOption(
  'write the AWS KMS console proxy configuration (with the secret) to FILE',
  'FILE',
);

function quotaOption(r: SubcommandRun): number | null | undefined {
  const v = stringOption(r, 'max-rps');
  if (v === undefined) return undefined;
  if (v === 'none') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
    throw new UsageError('--max-rps: expected an integer from 1 to 1000000, or none');
  }
  return n;
}

function blockSwitch(blocked: boolean) {
  return {
    args: 'NAME',
    summary: blocked
      ? 'block a key store (kill switch: metadata and crypto InvalidStateException; health answers)'
      : 'unblock a key store',
    async run(r: SubcommandRun) {
      const res = await r.client.call<KeyStoreView>('PATCH', `/keystores/${seg(arg(r, 0))}`, {
        blocked,
      });
      r.print(res, () => keyStoreFields(res));
    },
  };
}

export const KEYSTORES_COMMAND = defineGroup({
  name: 'keystores',
  brief: 'manage key stores (list|create|describe|update|delete|block|unblock)',
  summary:
    'Manage the XKS key stores (URI path prefix, region, module, credentials) of a running xkslab.',
  subcommands: {
    list: {
      args: '',
      summary: 'list key stores',
      async run(r) {
        const res = await r.client.call<KeyStoreList>('GET', '/keystores');
        r.print(res, () =>
          formatTable(
            ['NAME', 'URI PATH', 'REGION', 'MODULE', 'CREDS', 'QUOTA', 'BLOCKED'],
            res.keyStores.map((k) => [
              k.name,
              k.uriPath,
              k.region,
              k.module,
              String(k.credentials.length),
              k.maxRequestsPerSecond === null ? '-' : String(k.maxRequestsPerSecond),
              k.blocked ? 'yes' : 'no',
            ]),
          ),
        );
      },
    },
    create: {
      args: 'NAME',
      summary: 'create a key store with a first credential (shown once)',
      options: {
        prefix: textOption(
          "URI path prefix before /kms/xks/v1, e.g. /tenant-a (required; '' for none)",
          'P',
        ),
        region: textOption('AWS region KMS signs for (default us-east-1)', 'R'),
        module: textOption('module holding its keys (default: default)', 'M'),
        maxRps: textOption('request quota per second (default none)', 'N'),
        noCredential: flagOption('create no credential'),
        proxyConfig: PROXY_CONFIG_OPTION,
      },
      async run(r) {
        const prefix = stringOption(r, 'prefix');
        if (prefix === undefined) throw new UsageError('keystores create: --prefix is required');
        const quota = quotaOption(r);
        const res = await r.client.call<CreateKeyStoreResponse>('POST', '/keystores', {
          name: arg(r, 0),
          uriPathPrefix: prefix,
          region: stringOption(r, 'region') ?? 'us-east-1',
          module: stringOption(r, 'module') ?? 'default',
          ...(typeof quota === 'number' ? { maxRequestsPerSecond: quota } : {}),
          createCredential: r.values['no-credential'] !== true,
        });
        const credentialText = res.credential ? await showCredential(r, res.credential) : '';
        r.print(res, () => `${keyStoreFields(res.keyStore)}\n${credentialText}`);
      },
    },
    describe: {
      args: 'NAME',
      summary: 'show a key store and its credentials (never secrets)',
      async run(r) {
        const res = await r.client.call<KeyStoreView>('GET', `/keystores/${seg(arg(r, 0))}`);
        r.print(res, () => keyStoreFields(res));
      },
    },
    update: {
      args: 'NAME',
      summary: 'change region, module or quota (effective on the next request)',
      options: {
        region: textOption('AWS region', 'R'),
        module: textOption('module holding its keys', 'M'),
        maxRps: textOption('request quota per second, or none', 'N|none'),
      },
      async run(r) {
        const quota = quotaOption(r);
        const region = stringOption(r, 'region');
        const module = stringOption(r, 'module');
        if (region === undefined && module === undefined && quota === undefined) {
          throw new UsageError('keystores update: give --region, --module or --max-rps');
        }
        const res = await r.client.call<KeyStoreView>('PATCH', `/keystores/${seg(arg(r, 0))}`, {
          ...(region === undefined ? {} : { region }),
          ...(module === undefined ? {} : { module }),
          ...(quota === undefined ? {} : { maxRequestsPerSecond: quota }),
        });
        r.print(res, () => keyStoreFields(res));
      },
    },
    delete: {
      args: 'NAME',
      summary: 'delete a key store (its URI path stops answering at once)',
      async run(r) {
        const res = await r.client.call<{ name: string }>('DELETE', `/keystores/${seg(arg(r, 0))}`);
        r.print(res, () => `deleted key store ${res.name}\n`);
      },
    },
    block: blockSwitch(true),
    unblock: blockSwitch(false),
  },
});

export const CREDS_COMMAND = defineGroup({
  name: 'creds',
  brief: 'manage key store credentials (list|add|revoke)',
  summary: 'Manage the SigV4 credentials of a key store: several live at once, for rotation.',
  notes: `Rotation: 'creds add', give the new credential to KMS (UpdateCustomKeyStore), then
'creds revoke' the old one; a revoked credential stops working at once.
`,
  subcommands: {
    list: {
      args: 'KEYSTORE',
      summary: 'list credentials: creation, last use and age (never secrets)',
      async run(r) {
        const res = await r.client.call<CredentialList>(
          'GET',
          `/keystores/${seg(arg(r, 0))}/credentials`,
        );
        r.print(res, () => credentialTable(res.credentials));
      },
    },
    add: {
      args: 'KEYSTORE',
      summary: 'add a generated credential (the secret is shown once)',
      options: { proxyConfig: PROXY_CONFIG_OPTION },
      async run(r) {
        const res = await r.client.call<CreatedCredential>(
          'POST',
          `/keystores/${seg(arg(r, 0))}/credentials`,
        );
        const text = await showCredential(r, res);
        r.print(res, () => text);
      },
    },
    revoke: {
      args: 'KEYSTORE ACCESS_KEY_ID',
      summary: 'revoke a credential (requests signed with it fail at once)',
      async run(r) {
        const res = await r.client.call<{ accessKeyId: string; keyStore: string }>(
          'DELETE',
          `/keystores/${seg(arg(r, 0))}/credentials/${seg(arg(r, 1))}`,
        );
        r.print(res, () => `revoked ${res.accessKeyId} of key store ${res.keyStore}\n`);
      },
    },
  },
});
