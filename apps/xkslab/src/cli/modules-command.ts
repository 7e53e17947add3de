import type { ModuleList, ModuleView } from '@xkslab/protocol';
import { arg, defineGroup, flagOption, intOption, seg, textOption } from './admin-command.ts';
import { UsageError } from './flags.ts';
import { formatFields, formatTable, shortTime } from './table.ts';

const STATES = ['active', 'maintenance', 'disconnected'];

function moduleFields(m: ModuleView): string {
  const fields: Array<[string, string]> = [
    ['name', m.name],
    ['state', m.state],
    ['nodes', String(m.nodes)],
    ['keys', String(m.keyCount)],
    ['key stores', m.keyStores.join(', ') || '-'],
    ['created', shortTime(m.createdAt)],
  ];
  let text = formatFields(fields);
  if (m.health) {
    text += `\n${formatTable(
      ['NODE', 'HEALTH', 'DETAIL'],
      m.health.map((n) => [n.id, n.status, n.detail ?? '']),
    )}`;
  }
  return text;
}

export const MODULES_COMMAND = defineGroup({
  name: 'modules',
  brief: 'manage modules of a running server (list|create|describe|delete|set-state)',
  summary: 'Manage the virtual cryptographic modules (virtual HSM partitions) of a running xkslab.',
  notes: `States: active; maintenance (XKS calls on its keys answer InvalidStateException);
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
            ['NAME', 'STATE', 'NODES', 'KEYS', 'KEY STORES', 'CREATED'],
            res.modules.map((m) => [
              m.name,
              m.state,
              String(m.nodes),
              String(m.keyCount),
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
      },
      async run(r) {
        const nodes = intOption(r, 'nodes', 1, 10);
        const res = await r.client.call<ModuleView>('POST', '/modules', {
          name: arg(r, 0),
          ...(nodes === undefined ? {} : { nodes }),
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
