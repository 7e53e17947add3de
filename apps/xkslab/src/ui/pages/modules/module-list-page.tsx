import { CreateModuleRequest } from '@xkslab/protocol';
import type { ModuleInfo } from '@xkslab/vcm';
import type { Hono } from 'hono';
import type { ActiveKeyStore } from '../../../keystores/registry.ts';
import { keyCountOf } from '../../../services/views.ts';
import {
  Badge,
  Empty,
  LongValue,
  PostForm,
  ROW_NAME_CHARS,
  stateTone,
  Table,
  when,
} from '../../layout.tsx';
import { formOf, optionalNumber, parseForm, renderPage, runAction, seg } from '../../page-kit.tsx';
import type { UiDeps, UiEnv } from '../../ui-deps.ts';
import { KeyStoreLinks } from '../keys/key-parts.tsx';
import { MODULES_BASE as BASE } from './module-paths.ts';

/** Every module with its state, nodes, key count and the key stores it serves. */
function ModuleTable(props: {
  modules: readonly ModuleInfo[];
  counts: readonly (number | null)[];
  stores: readonly ActiveKeyStore[];
}) {
  const { modules, counts, stores } = props;
  return (
    <section class="card wide">
      <h2>Virtual cryptographic modules</h2>
      {modules.length === 0 ? (
        <Empty>No module yet: deploy one below.</Empty>
      ) : (
        <Table head={['Module', 'Kind', 'State', 'Nodes', 'Keys', 'Key stores', 'Created']}>
          {modules.map((m, i) => (
            <tr data-testid={`module-row-${m.name}`}>
              <td>
                <LongValue value={m.name} href={`${BASE}/${seg(m.name)}`} max={ROW_NAME_CHARS} />
              </td>
              <td data-testid={`module-kind-${m.name}`} title={m.pkcs11?.library}>
                {m.kind}
              </td>
              <td>
                <Badge tone={stateTone(m.state)}>{m.state}</Badge>
              </td>
              <td class="num">{m.nodes}</td>
              <td class="num">{counts[i] ?? '-'}</td>
              <td>
                <KeyStoreLinks
                  names={stores.filter((ks) => ks.module === m.name).map((ks) => ks.name)}
                />
              </td>
              <td class="time">{when(m.createdAt)}</td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}

/** The module list and the deploy form. */
export function registerModuleListPage(app: Hono<UiEnv>, deps: UiDeps): void {
  app.get(BASE, async (c) => {
    const csrf = c.get('session').csrf;
    const modules = await deps.vcm.listModules();
    const counts = await Promise.all(modules.map((m) => keyCountOf(deps.vcm, m)));
    const stores = deps.registry.list();
    return renderPage(
      c,
      deps,
      { title: 'Modules', active: 'modules' },
      <div class="grid">
        <ModuleTable modules={modules} counts={counts} stores={stores} />
        <section class="card">
          <h2>Deploy a module</h2>
          <PostForm action={BASE} csrf={csrf} submit="Deploy" testId="deploy-module">
            <label>
              Name
              <input name="name" required placeholder="hsm-a" autocomplete="off" />
            </label>
            <label>
              Nodes (1-10)
              <input name="nodes" type="number" min="1" max="10" value="2" />
            </label>
          </PostForm>
        </section>
      </div>,
    );
  });

  app.post(BASE, async (c) => {
    const form = await formOf(c);
    const name = form.name ?? '';
    return runAction(
      c,
      deps,
      { mirrors: ['POST', '/modules'], back: BASE, audit: { module: name } },
      async () => {
        const body = parseForm(CreateModuleRequest, {
          name,
          ...(optionalNumber(form.nodes) === undefined
            ? {}
            : { nodes: optionalNumber(form.nodes) }),
        });
        const info = await deps.vcm.createModule({ name: body.name, nodes: body.nodes });
        return `Module ${info.name} deployed with ${info.nodes} node(s).`;
      },
    );
  });
}
