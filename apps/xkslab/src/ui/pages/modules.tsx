import {
  BULK_KEYS_MAX,
  BulkCreateKeysRequest,
  CreateModuleRequest,
  ModuleStateValue,
} from '@xkslab/protocol';
import type { Hono } from 'hono';
import { bulkCreateKeys, deleteModule, requireModule } from '../../admin/operations.ts';
import { moduleHealth } from '../health.ts';
import {
  ActionButton,
  Badge,
  CsrfField,
  Empty,
  healthTone,
  LongValue,
  ROW_NAME_CHARS,
  stateTone,
  Table,
  when,
} from '../layout.tsx';
import {
  formAll,
  formOf,
  optionalNumber,
  parseForm,
  renderPage,
  runAction,
  seg,
} from '../page-kit.tsx';
import { UI_BASE, type UiDeps, type UiEnv } from '../ui-deps.ts';
import { KeyRows, KeyStoreLinks, UsageChecks } from './keys/key-parts.tsx';

const BASE = `${UI_BASE}/modules`;
const KEYS_SHOWN = 100;

const STATE_ACTIONS = {
  active: { label: 'Reconnect (active)', kind: 'primary' },
  maintenance: { label: 'Maintenance', kind: 'plain' },
  disconnected: { label: 'Mark disconnected', kind: 'danger' },
} as const;

/** Modules: deploy, see keys and nodes, mark disconnected/reconnected, delete. */
export function registerModulePages(app: Hono<UiEnv>, deps: UiDeps): void {
  app.get(BASE, async (c) => {
    const csrf = c.get('session').csrf;
    const modules = await deps.vcm.listModules();
    const counts = await Promise.all(modules.map((m) => deps.vcm.countKeys(m.name)));
    const stores = deps.registry.list();
    return renderPage(
      c,
      deps,
      { title: 'Modules', active: 'modules' },
      <div class="grid">
        <section class="card wide">
          <h2>Virtual cryptographic modules</h2>
          {modules.length === 0 ? (
            <Empty>No module yet: deploy one below.</Empty>
          ) : (
            <Table head={['Module', 'State', 'Nodes', 'Keys', 'Key stores', 'Created']}>
              {modules.map((m, i) => (
                <tr data-testid={`module-row-${m.name}`}>
                  <td>
                    <LongValue
                      value={m.name}
                      href={`${BASE}/${seg(m.name)}`}
                      max={ROW_NAME_CHARS}
                    />
                  </td>
                  <td>
                    <Badge tone={stateTone(m.state)}>{m.state}</Badge>
                  </td>
                  <td class="num">{m.nodes}</td>
                  <td class="num">{counts[i]}</td>
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
        <section class="card">
          <h2>Deploy a module</h2>
          <form method="post" action={BASE} class="stack">
            <CsrfField token={csrf} />
            <label>
              Name
              <input name="name" required placeholder="hsm-a" autocomplete="off" />
            </label>
            <label>
              Nodes (1-10)
              <input name="nodes" type="number" min="1" max="10" value="2" />
            </label>
            <button type="submit" class="primary" data-testid="deploy-module">
              Deploy
            </button>
          </form>
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

  app.get(`${BASE}/:module`, async (c) => {
    const csrf = c.get('session').csrf;
    const name = c.req.param('module');
    const info = await deps.vcm.getModule(name);
    if (!info) {
      return renderPage(
        c,
        deps,
        { title: 'Module not found', active: 'modules', status: 404 },
        <Empty>
          No module named <LongValue value={name} code inline />. <a href={BASE}>All modules</a>
        </Empty>,
      );
    }
    const health = (await moduleHealth(deps, [name])).get(name) ?? [];
    const keys = await deps.vcm.listKeys(name, { limit: KEYS_SHOWN });
    const total = await deps.vcm.countKeys(name);
    const stores = deps.registry.list().filter((ks) => ks.module === name);
    const here = `${BASE}/${seg(name)}`;
    return renderPage(
      c,
      deps,
      {
        title: `Module ${name}`,
        heading: (
          <>
            Module <LongValue value={name} inline />
          </>
        ),
        active: 'modules',
      },
      <div class="grid">
        <section class="card">
          <h2>State</h2>
          <p>
            <Badge tone={stateTone(info.state)}>{info.state}</Badge>{' '}
            <span class="muted">
              {info.state === 'disconnected'
                ? 'XKS calls on its keys answer DependencyTimeoutException; health reports every node UNAVAILABLE.'
                : info.state === 'maintenance'
                  ? 'XKS calls on its keys answer InvalidStateException; health reports every node UNAVAILABLE.'
                  : 'Serving.'}
            </span>
          </p>
          <div class="buttons">
            {ModuleStateValue.options
              .filter((s) => s !== info.state)
              .map((s) => (
                <ActionButton
                  action={`${here}/state`}
                  csrf={csrf}
                  label={STATE_ACTIONS[s].label}
                  kind={STATE_ACTIONS[s].kind}
                  fields={{ state: s }}
                  testId={`module-state-${s}`}
                />
              ))}
          </div>
          <p class="muted">Created {when(info.createdAt)}.</p>
        </section>
        <section class="card">
          <h2>Nodes</h2>
          <Table head={['Node', 'Health (deep check)', 'Detail']}>
            {health.map((n) => (
              <tr>
                <td>
                  <LongValue value={n.id} code />
                </td>
                <td>
                  <Badge tone={healthTone(n.status)}>{n.status}</Badge>
                </td>
                <td class="muted">
                  {n.faultRule ? `fault rule ${n.faultRule}` : (n.detail ?? '')}
                </td>
              </tr>
            ))}
          </Table>
        </section>
        <section class="card">
          <h2>Key stores served</h2>
          {stores.length === 0 ? (
            <Empty>None.</Empty>
          ) : (
            <ul class="plain-list">
              {stores.map((ks) => (
                <li>
                  <LongValue value={ks.name} href={`${UI_BASE}/keystores/${seg(ks.name)}`} />{' '}
                  <LongValue value={ks.uriPathPrefix || '/'} code />
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card wide">
          <h2>{`Keys (${total})`}</h2>
          {keys.length === 0 ? <Empty>No key in this module.</Empty> : <KeyRows keys={keys} />}
          {total > keys.length ? (
            <p class="muted">
              Showing the first {keys.length}.{' '}
              <a href={`${UI_BASE}/keys?module=${seg(name)}`}>
                All keys of <LongValue value={name} inline />
              </a>
            </p>
          ) : null}
          <p>
            <a href={`${UI_BASE}/keys?module=${seg(name)}`}>Create or import a key</a>
          </p>
        </section>
        <section class="card">
          <h2>Create keys in bulk</h2>
          <p class="muted">
            Keys <code>PREFIX</code>
            <code>START</code> .. <code>PREFIX</code>
            <code>START+COUNT-1</code> in one atomic batch: all are created or none.
          </p>
          <form method="post" action={`${here}/bulk-keys`} class="stack">
            <CsrfField token={csrf} />
            <label>
              Id prefix
              <input
                name="idPrefix"
                required
                autocomplete="off"
                placeholder="load-key-"
                data-testid="bulk-prefix"
              />
            </label>
            <label>
              {`Count (1-${BULK_KEYS_MAX})`}
              <input
                name="count"
                type="number"
                min="1"
                max={String(BULK_KEYS_MAX)}
                value="10"
                required
                data-testid="bulk-count"
              />
            </label>
            <label>
              Start
              <input name="start" type="number" min="0" value="0" data-testid="bulk-start" />
            </label>
            <UsageChecks name="usage" />
            <button type="submit" class="primary" data-testid="bulk-create-keys">
              Create keys
            </button>
          </form>
        </section>
        <section class="card">
          <h2>Delete</h2>
          <form
            method="post"
            action={`${here}/delete`}
            class="stack"
            data-confirm={`Delete module ${name}?`}
          >
            <CsrfField token={csrf} />
            <label class="check">
              <input type="checkbox" name="force" value="true" /> Also destroy its {total} key(s)
              (needed while it holds keys or serves key stores)
            </label>
            <button type="submit" class="danger">
              Delete module
            </button>
          </form>
        </section>
      </div>,
    );
  });

  app.post(`${BASE}/:module/state`, async (c) => {
    const name = c.req.param('module');
    const form = await formOf(c);
    return runAction(
      c,
      deps,
      {
        mirrors: ['PUT', '/modules/{module}/state'],
        back: `${BASE}/${seg(name)}`,
        audit: { module: name },
      },
      async () => {
        const state = parseForm(ModuleStateValue, form.state);
        await requireModule(deps, name);
        const info = await deps.vcm.setModuleState(name, state);
        return `Module ${info.name} is ${info.state}.`;
      },
    );
  });

  app.post(`${BASE}/:module/bulk-keys`, async (c) => {
    const name = c.req.param('module');
    const form = await formOf(c);
    const usage = await formAll(c, 'usage');
    return runAction(
      c,
      deps,
      {
        mirrors: ['POST', '/modules/{module}/keys/bulk'],
        back: `${BASE}/${seg(name)}`,
        audit: { module: name },
      },
      async () => {
        const start = optionalNumber(form.start);
        const body = parseForm(BulkCreateKeysRequest, {
          idPrefix: (form.idPrefix ?? '').trim(),
          count: optionalNumber(form.count),
          ...(start === undefined ? {} : { start }),
          usage,
        });
        const made = await bulkCreateKeys(deps, name, body);
        return `${made.created} key(s) created in ${name}: ${made.firstId} .. ${made.lastId}.`;
      },
    );
  });

  app.post(`${BASE}/:module/delete`, async (c) => {
    const name = c.req.param('module');
    const form = await formOf(c);
    let deleted = false;
    const response = await runAction(
      c,
      deps,
      { mirrors: ['DELETE', '/modules/{module}'], back: BASE, audit: { module: name } },
      async () => {
        const { keys } = await deleteModule(deps, name, form.force === 'true');
        deleted = true;
        return `Module ${name} deleted (${keys} key(s) destroyed).`;
      },
    );
    // A refusal goes back to the module's page, where the force box is.
    return deleted ? response : c.redirect(`${BASE}/${seg(name)}`, 303);
  });
}
