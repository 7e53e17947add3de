import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import {
  BULK_KEYS_MAX,
  type BulkCreateKeysResponse,
  type ExportKeyResponse,
  type ImportParams,
  type KeyList,
  type KeyView,
  type ModuleList,
} from '@xkslab/protocol';
import { parseRsaPublicKey, wrapKeyMaterial } from '../keys/key-transport.ts';
import {
  defineGroup,
  flagOption,
  intOption,
  type Subcommand,
  type SubcommandRun,
  seg,
  stringOption,
  textOption,
} from './admin-command.ts';
import { CommandError, errorCode } from './command-io.ts';
import { UsageError } from './flags.ts';
import { formatFields, formatTable, shortTime } from './table.ts';

const USAGES = ['ENCRYPT', 'DECRYPT', 'WRAP', 'UNWRAP'];
/** --module of the commands that name one KEY. */
const KEY_OPTIONS = {
  module: textOption(
    "the key's module when KEY has no MODULE/ prefix (default: the server's\nonly module; required when it has several)",
    'M',
  ),
};

/**
 * The module named by --module or, without it, the server's only module. Several modules (or
 * none) is a UsageError that names them.
 */
async function moduleOf(r: SubcommandRun): Promise<string> {
  const given = stringOption(r, 'module');
  if (given !== undefined) return given;
  const { modules } = await r.client.call<ModuleList>('GET', '/modules');
  const [only] = modules;
  if (modules.length === 1 && only) return only.name;
  if (modules.length === 0) {
    throw new UsageError("this server has no module: create one with 'xkslab modules create NAME'");
  }
  throw new UsageError(
    `--module is required: this server has modules ${modules.map((m) => m.name).join(', ')}`,
  );
}

/** `MODULE/ID`, or `ID` in --module (default: the server's only module). */
async function keyRef(r: SubcommandRun): Promise<{ module: string; id: string; path: string }> {
  const ref = r.args[0] as string;
  const slash = ref.indexOf('/');
  const module = slash === -1 ? await moduleOf(r) : ref.slice(0, slash);
  const id = slash === -1 ? ref : ref.slice(slash + 1);
  if (module === '' || id === '') throw new UsageError(`KEY must be ID or MODULE/ID, not '${ref}'`);
  return { module, id, path: `/modules/${seg(module)}/keys/${seg(id)}` };
}

function usageOption(r: SubcommandRun): string[] | undefined {
  const v = stringOption(r, 'usage');
  if (v === undefined) return undefined;
  const list = v === '' ? [] : v.split(',').map((u) => u.trim().toUpperCase());
  for (const u of list) {
    if (!USAGES.includes(u))
      throw new UsageError(`--usage: unknown usage ${u}; use ${USAGES.join(',')}`);
  }
  return list;
}

function keyFields(k: KeyView): string {
  return formatFields([
    ['key', `${k.module}/${k.id}`],
    ['state', k.state + (k.blocked ? ' (BLOCKED)' : '')],
    ['xks status', k.status],
    ['usage', k.usage.join(',') || '-'],
    ['origin', k.origin],
    ['exportable', k.exportable ? 'yes' : 'no'],
    ['blocked', k.blocked ? 'yes' : 'no'],
    ['policy', k.hasPolicy ? 'yes' : 'no'],
    ['version', `${k.currentVersion} (${k.versions.length} version(s))`],
    ...(k.deletionDate ? [['deletion date', shortTime(k.deletionDate)] as [string, string]] : []),
    ['created', shortTime(k.createdAt)],
  ]);
}

/** A command that POSTs to an action of one key and shows the key. */
function keyAction(action: string, summary: string): Subcommand {
  return {
    args: 'KEY',
    summary,
    options: KEY_OPTIONS,
    async run(r) {
      const { path } = await keyRef(r);
      const res = await r.client.call<KeyView>('POST', `${path}/${action}`);
      r.print(res, () => keyFields(res));
    },
  };
}

/** 32 bytes of key material from a file: raw bytes, or Base64 or hex text of them. */
async function readMaterial(file: string): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new CommandError(`cannot read ${file} (${errorCode(e)})`);
  }
  if (bytes.length === 32) return new Uint8Array(bytes);
  const text = bytes.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  const b64 = Buffer.from(text, 'base64');
  if (b64.length === 32 && b64.toString('base64') === text) return new Uint8Array(b64);
  throw new CommandError(`${file} must hold 32 bytes of key material (raw, hex or Base64)`);
}

export const KEYS_COMMAND = defineGroup({
  name: 'keys',
  brief: 'manage keys (list|create|import|describe|enable|disable|rotate|export|block|...)',
  summary: 'Manage the AES-256 keys of the modules of a running xkslab.',
  notes: `KEY is MODULE/ID, or ID in --module; without either, the server's only module (with
several modules, --module is required).
`,
  subcommands: {
    list: {
      args: '',
      summary: 'list the keys of a module',
      options: {
        module: textOption("the module (default: the server's only module)", 'M'),
        state: textOption('only ENABLED, DISABLED or PENDING_DELETION keys', 'S'),
        usage: textOption('only keys allowing ENCRYPT, DECRYPT, WRAP or UNWRAP', 'U'),
        limit: textOption('one page of at most N keys (default: every key)', 'N'),
        nextToken: textOption('the page after the one that printed this token', 'T'),
      },
      async run(r) {
        const limit = intOption(r, 'limit', 1, 1000);
        const module = await moduleOf(r);
        const query = new URLSearchParams();
        const state = stringOption(r, 'state');
        const usage = stringOption(r, 'usage');
        if (state) query.set('state', state.toUpperCase());
        if (usage) query.set('usage', usage.toUpperCase());
        query.set('limit', String(limit ?? 1000));
        let token = stringOption(r, 'next-token');
        const keys: KeyView[] = [];
        let next: string | undefined;
        do {
          if (token) query.set('nextToken', token);
          const page = await r.client.call<KeyList>('GET', `/modules/${seg(module)}/keys?${query}`);
          keys.push(...page.keys);
          next = page.nextToken;
          token = next;
        } while (limit === undefined && token);
        const result: KeyList = { keys, ...(next ? { nextToken: next } : {}) };
        r.print(result, () => {
          const table = formatTable(
            ['ID', 'STATE', 'USAGE', 'VERSION', 'ORIGIN', 'EXPORTABLE', 'BLOCKED', 'CREATED'],
            keys.map((k) => [
              k.id,
              k.state,
              k.usage.join(',') || '-',
              String(k.currentVersion),
              k.origin,
              k.exportable ? 'yes' : 'no',
              k.blocked ? 'yes' : 'no',
              shortTime(k.createdAt),
            ]),
          );
          return next ? `${table}more: --next-token ${next}\n` : table;
        });
      },
    },
    create: {
      args: 'KEY',
      summary: 'create a key (AES-256, generated in the module)',
      options: {
        ...KEY_OPTIONS,
        usage: textOption(
          'comma-separated ENCRYPT,DECRYPT,WRAP,UNWRAP (default ENCRYPT,DECRYPT); fixed',
          'LIST',
        ),
        exportable: flagOption("allow 'keys export' (default: never exportable)"),
      },
      async run(r) {
        const { module, id } = await keyRef(r);
        const usage = usageOption(r);
        const res = await r.client.call<KeyView>('POST', `/modules/${seg(module)}/keys`, {
          id,
          ...(usage ? { usage } : {}),
          exportable: r.values.exportable === true,
        });
        r.print(res, () => keyFields(res));
      },
    },
    'bulk-create': {
      args: 'PREFIX',
      summary: 'create --count keys named PREFIX<n> in one module (load tests, scale runs)',
      options: {
        module: textOption("the module (default: the server's only module)", 'NAME'),
        count: textOption(
          `how many keys (required; sent in atomic batches of ${BULK_KEYS_MAX})`,
          'N',
        ),
        start: textOption('the first number (default 0)', 'N'),
        usage: textOption('as for create (default ENCRYPT,DECRYPT)', 'LIST'),
      },
      async run(r) {
        const idPrefix = r.args[0] as string;
        const count = intOption(r, 'count', 1, 100_000_000);
        if (count === undefined) throw new UsageError('keys bulk-create: --count N is required');
        const first = intOption(r, 'start', 0, Number.MAX_SAFE_INTEGER) ?? 0;
        const usage = usageOption(r);
        const module = await moduleOf(r);
        const started = Date.now();
        let created = 0;
        let last: BulkCreateKeysResponse | undefined;
        while (created < count) {
          const batch = Math.min(BULK_KEYS_MAX, count - created);
          last = await r.client.call<BulkCreateKeysResponse>(
            'POST',
            `/modules/${seg(module)}/keys/bulk`,
            { idPrefix, count: batch, start: first + created, ...(usage ? { usage } : {}) },
          );
          created += last.created;
          if (!r.json) r.io.stderr(`created ${created}/${count} keys\n`);
        }
        const seconds = (Date.now() - started) / 1000;
        const summary = {
          module,
          created,
          firstId: `${idPrefix}${first}`,
          lastId: last?.lastId ?? '',
          keysPerSecond: Math.round(created / Math.max(seconds, 0.001)),
        };
        r.print(summary, () =>
          formatFields([
            ['module', summary.module],
            ['created', String(summary.created)],
            ['ids', `${summary.firstId} .. ${summary.lastId}`],
            ['rate', `${summary.keysPerSecond} keys/s`],
          ]),
        );
      },
    },
    import: {
      args: 'KEY',
      summary: 'import 32 bytes of key material (wrapped here, never sent in the clear)',
      options: {
        ...KEY_OPTIONS,
        material: textOption(
          'the key material: 32 raw bytes, or hex or Base64 text (required)',
          'FILE',
        ),
        usage: textOption('as for create (default ENCRYPT,DECRYPT)', 'LIST'),
        exportable: flagOption("allow 'keys export'"),
      },
      async run(r) {
        const { module, id } = await keyRef(r);
        const file = stringOption(r, 'material');
        if (!file) throw new UsageError('keys import: --material FILE is required');
        const usage = usageOption(r);
        const material = await readMaterial(file);
        try {
          const params = await r.client.call<ImportParams>(
            'POST',
            `/modules/${seg(module)}/import-params`,
          );
          const wrapped = wrapKeyMaterial(
            parseRsaPublicKey(params.publicKey),
            material,
            (n) => new Uint8Array(randomBytes(n)),
          );
          const res = await r.client.call<KeyView>('POST', `/modules/${seg(module)}/keys/import`, {
            id,
            ...(usage ? { usage } : {}),
            exportable: r.values.exportable === true,
            importToken: params.importToken,
            wrappedKeyMaterial: Buffer.from(wrapped).toString('base64'),
          });
          r.print(res, () => keyFields(res));
        } finally {
          material.fill(0);
        }
      },
    },
    describe: {
      args: 'KEY',
      summary: 'show a key (never its material)',
      options: KEY_OPTIONS,
      async run(r) {
        const res = await r.client.call<KeyView>('GET', (await keyRef(r)).path);
        r.print(res, () => keyFields(res));
      },
    },
    enable: keyAction('enable', 'enable a key'),
    disable: keyAction(
      'disable',
      'disable a key (XKS metadata DISABLED, crypto InvalidStateException)',
    ),
    rotate: keyAction('rotate', 'add a key version; old ciphertexts still decrypt'),
    block: keyAction('block', 'block a key (kill switch: every XKS call InvalidStateException)'),
    unblock: keyAction('unblock', 'unblock a key'),
    'schedule-deletion': {
      args: 'KEY',
      summary: 'schedule the destruction of a key after a waiting period (disables it now)',
      options: { ...KEY_OPTIONS, days: textOption('waiting period, 1-30 (default 30)', 'N') },
      async run(r) {
        const days = intOption(r, 'days', 1, 30);
        const res = await r.client.call<KeyView>(
          'POST',
          `${(await keyRef(r)).path}/schedule-deletion`,
          {
            ...(days === undefined ? {} : { pendingWindowDays: days }),
          },
        );
        r.print(res, () => keyFields(res));
      },
    },
    'cancel-deletion': keyAction(
      'cancel-deletion',
      'cancel a scheduled deletion (the key stays disabled)',
    ),
    destroy: {
      args: 'KEY',
      summary: 'destroy a key whose deletion waiting period is over',
      options: KEY_OPTIONS,
      async run(r) {
        const { module, id, path } = await keyRef(r);
        const res = await r.client.call('DELETE', path);
        r.print(res, () => `destroyed key ${module}/${id}\n`);
      },
    },
    export: {
      args: 'KEY',
      summary: 'export an exportable key, wrapped under your RSA public key',
      options: {
        ...KEY_OPTIONS,
        publicKey: textOption('your RSA public key, PEM, 2048-8192 bits (required)', 'FILE'),
        out: textOption('write the JSON there (mode 0600) instead of stdout', 'FILE'),
      },
      async run(r) {
        const file = stringOption(r, 'public-key');
        if (!file) throw new UsageError('keys export: --public-key FILE is required');
        let publicKey: string;
        try {
          publicKey = await readFile(file, 'utf8');
        } catch (e) {
          throw new CommandError(`cannot read ${file} (${errorCode(e)})`);
        }
        const res = await r.client.call<ExportKeyResponse>(
          'POST',
          `${(await keyRef(r)).path}/export`,
          {
            publicKey,
          },
        );
        const out = stringOption(r, 'out');
        if (out) {
          await writeFile(out, `${JSON.stringify(res, null, 2)}\n`, { mode: 0o600 });
          r.io.stderr(
            `wrote ${res.versions.length} wrapped version(s) of ${res.module}/${res.id} to ${out}\n`,
          );
          return;
        }
        r.io.stdout(`${JSON.stringify(res, null, 2)}\n`);
      },
    },
  },
});
