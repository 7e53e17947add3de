import { resolve } from 'node:path';
import type { ModuleList, ModuleView } from '@xkslab/protocol';
import {
  arg,
  defineGroup,
  flagOption,
  intOption,
  type SubcommandRun,
  seg,
  stringOption,
  textOption,
} from './admin-command.ts';
import { UsageError } from './flags.ts';
import { formatFields, formatTable, shortTime } from './table.ts';

const STATES = ['active', 'maintenance', 'disconnected'];

function moduleFields(m: ModuleView): string {
  const fields: Array<[string, string]> = [
    ['name', m.name],
    ['kind', m.kind],
    ...pkcs11Fields(m),
    ['state', m.state],
    ['nodes', String(m.nodes)],
    ['keys', m.keyCount === null ? '- (token not reachable)' : String(m.keyCount)],
    ['key stores', m.keyStores.join(', ') || '-'],
    ['created', shortTime(m.createdAt)],
  ];
  let text = formatFields(fields);
  if (m.health) {
    text += `\n${formatTable(
      ['NODE', 'HEALTH', 'DETAIL'],
      m.health.map((n) => [
        n.id,
        n.status,
        n.detail ?? [n.vendor, n.model].filter(Boolean).join(', '),
      ]),
    )}`;
  }
  return text;
}

function pkcs11Fields(m: ModuleView): Array<[string, string]> {
  const c = m.pkcs11;
  if (c === undefined) return [];
  return [
    ['library', c.library],
    ['token', c.tokenLabel === undefined ? `slot ${c.slot}` : `label ${c.tokenLabel}`],
    ['PIN from', c.pinEnv === undefined ? `file ${c.pinFile}` : `environment ${c.pinEnv}`],
  ];
}

/** The `pkcs11` part of a create request, from the flags; undefined for a virtual module. */
function pkcs11Request(r: SubcommandRun) {
  const library = stringOption(r, 'pkcs11-library');
  const slot = intOption(r, 'slot', 0, Number.MAX_SAFE_INTEGER);
  const tokenLabel = stringOption(r, 'token-label');
  const pinEnv = stringOption(r, 'pin-env');
  const pinFile = stringOption(r, 'pin-file');
  if (library === undefined) {
    if ([slot, tokenLabel, pinEnv, pinFile].some((v) => v !== undefined)) {
      throw new UsageError('--slot, --token-label, --pin-env and --pin-file need --pkcs11-library');
    }
    return undefined;
  }
  if ((slot === undefined) === (tokenLabel === undefined)) {
    throw new UsageError('name the token with exactly one of --slot and --token-label');
  }
  if ((pinEnv === undefined) === (pinFile === undefined)) {
    throw new UsageError('give the PIN source with exactly one of --pin-env and --pin-file');
  }
  return {
    library: resolve(library),
    ...(slot === undefined ? {} : { slot }),
    ...(tokenLabel === undefined ? {} : { tokenLabel }),
    ...(pinEnv === undefined ? {} : { pinEnv }),
    ...(pinFile === undefined ? {} : { pinFile: resolve(pinFile) }),
  };
}

export const MODULES_COMMAND = defineGroup({
  name: 'modules',
  brief: 'manage modules of a running server (list|create|describe|delete|set-state)',
  summary: 'Manage the virtual cryptographic modules (virtual HSM partitions) of a running xkslab.',
  notes: `Kinds: virtual (the default: keys wrapped in xkslab's database) or pkcs11 (keys inside a
PKCS#11 token: --pkcs11-library PATH, --slot N or --token-label L, and --pin-env VAR or
--pin-file PATH, both read by the server; the PIN is never given on the command line or stored).
States: active; maintenance (XKS calls on its keys answer InvalidStateException);
disconnected (they answer DependencyTimeoutException, as a proxy that cannot reach its HSM).
Health reports every node UNAVAILABLE in both.
`,
  subcommands: {
    list: {
      args: '',
      summary: 'list modules',
      async run(r) {
        const res = await r.client.call<ModuleList>('GET', '/modules');
        r.print(res, () =>
          formatTable(
            ['NAME', 'KIND', 'STATE', 'NODES', 'KEYS', 'KEY STORES', 'CREATED'],
            res.modules.map((m) => [
              m.name,
              m.kind,
              m.state,
              String(m.nodes),
              m.keyCount === null ? '-' : String(m.keyCount),
              m.keyStores.join(',') || '-',
              shortTime(m.createdAt),
            ]),
          ),
        );
      },
    },
    create: {
      args: 'NAME',
      summary: 'create a module',
      options: {
        nodes: textOption('virtual nodes, 1-10 (default 1); health reports one entry each', 'N'),
        pkcs11Library: textOption('a pkcs11 module: the PKCS#11 library of the HSM', 'PATH'),
        slot: textOption('pkcs11: the token by slot id (softhsm2-util --show-slots)', 'N'),
        tokenLabel: textOption('pkcs11: the token by its label', 'LABEL'),
        pinEnv: textOption("pkcs11: the server's environment variable holding the PIN", 'VAR'),
        pinFile: textOption('pkcs11: a file (mode 0600) the server reads the PIN from', 'PATH'),
      },
      async run(r) {
        const nodes = intOption(r, 'nodes', 1, 10);
        const pkcs11 = pkcs11Request(r);
        if (pkcs11 !== undefined && nodes !== undefined) {
          throw new UsageError('a pkcs11 module has one node (its token): drop --nodes');
        }
        const res = await r.client.call<ModuleView>('POST', '/modules', {
          name: arg(r, 0),
          ...(nodes === undefined ? {} : { nodes }),
          ...(pkcs11 === undefined ? {} : { pkcs11 }),
        });
        r.print(res, () => moduleFields(res));
      },
    },
    describe: {
      args: 'NAME',
      summary: 'show a module with a deep health check of each node',
      async run(r) {
        const res = await r.client.call<ModuleView>('GET', `/modules/${seg(arg(r, 0))}`);
        r.print(res, () => moduleFields(res));
      },
    },
    'set-state': {
      args: 'NAME STATE',
      summary: `set the state: ${STATES.join(' | ')}`,
      async run(r) {
        const state = arg(r, 1);
        if (!STATES.includes(state)) {
          throw new UsageError(`STATE must be one of ${STATES.join(', ')}`);
        }
        const res = await r.client.call<ModuleView>('PUT', `/modules/${seg(arg(r, 0))}/state`, {
          state,
        });
        r.print(res, () => moduleFields(res));
      },
    },
    delete: {
      args: 'NAME',
      summary: 'delete a module (refused while it has keys or key stores, unless --force)',
      options: { force: flagOption('also destroy its keys; its key stores stop working') },
      async run(r) {
        const force = r.values.force === true;
        const res = await r.client.call<{ name: string; keysDeleted: number }>(
          'DELETE',
          `/modules/${seg(arg(r, 0))}${force ? '?force=true' : ''}`,
        );
        r.print(res, () => `deleted module ${res.name} (${res.keysDeleted} key(s) destroyed)\n`);
      },
    },
  },
});
