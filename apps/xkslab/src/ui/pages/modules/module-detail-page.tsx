import { BULK_KEYS_MAX, ModuleStateValue } from '@xkslab/protocol';
import type { ModuleInfo } from '@xkslab/vcm';
import type { Hono } from 'hono';
import type { ActiveKeyStore } from '../../../keystores/registry.ts';
import type { ShownNodeHealth } from '../../health.ts';
import { moduleHealth } from '../../health.ts';
import {
  ActionButton,
  Badge,
  CsrfField,
  Empty,
  healthTone,
  LongValue,
  PostForm,
  stateTone,
  Table,
  when,
} from '../../layout.tsx';
import { renderPage, seg } from '../../page-kit.tsx';
import { UI_BASE, type UiDeps, type UiEnv } from '../../ui-deps.ts';
import { KeyRows, UsageChecks } from '../keys/key-parts.tsx';
import { MODULES_BASE as BASE } from './module-paths.ts';

const KEYS_SHOWN = 100;

const STATE_ACTIONS = {
  active: { label: 'Reconnect (active)', kind: 'primary' },
  maintenance: { label: 'Maintenance', kind: 'plain' },
  disconnected: { label: 'Mark disconnected', kind: 'danger' },
} as const;

/** A module's state, what it means for XKS calls, and the buttons that change it. */
function ModuleStateCard(props: { info: ModuleInfo; here: string; csrf: string }) {
  const { info, here, csrf } = props;
  return (
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
      <p class="muted" data-testid="module-kind">
        {info.pkcs11 === undefined
          ? 'A virtual module: keys wrapped in the database.'
          : `A pkcs11 module: keys inside the token ${info.pkcs11.tokenLabel ?? `in slot ${info.pkcs11.slot}`} of ${info.pkcs11.library}.`}{' '}
        Created {when(info.createdAt)}.
      </p>
    </section>
  );
}

/** Each node's health as KMS would see it (deep check). */
function NodesCard(props: { health: readonly ShownNodeHealth[] }) {
  const { health } = props;
  return (
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
              {n.faultRule
                ? `fault rule ${n.faultRule}`
                : (n.detail ?? [n.vendor, n.model].filter(Boolean).join(', '))}
            </td>
          </tr>
        ))}
      </Table>
    </section>
  );
}

/** The key stores whose keys live in this module. */
function ServedKeyStoresCard(props: { stores: readonly ActiveKeyStore[] }) {
  const { stores } = props;
  return (
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
  );
}

/** The form that creates numbered keys in one atomic batch. */
function BulkKeysCard(props: { here: string; csrf: string }) {
  const { here, csrf } = props;
  return (
    <section class="card">
      <h2>Create keys in bulk</h2>
      <p class="muted">
        Keys <code>PREFIX</code>
        <code>START</code> .. <code>PREFIX</code>
        <code>START+COUNT-1</code> in one atomic batch: all are created or none.
      </p>
      <PostForm
        action={`${here}/bulk-keys`}
        csrf={csrf}
        submit="Create keys"
        testId="bulk-create-keys"
      >
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
      </PostForm>
    </section>
  );
}

/** The delete form, with the force option a module with keys or key stores needs. */
function DeleteModuleCard(props: { name: string; total: number; here: string; csrf: string }) {
  const { name, total, here, csrf } = props;
  return (
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
  );
}

/** One module's page: state, nodes, key stores, keys, bulk creation, delete. */
export function registerModuleDetailPage(app: Hono<UiEnv>, deps: UiDeps): void {
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
        <ModuleStateCard info={info} here={here} csrf={csrf} />
        <NodesCard health={health} />
        <ServedKeyStoresCard stores={stores} />
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
        <BulkKeysCard here={here} csrf={csrf} />
        <DeleteModuleCard name={name} total={total} here={here} csrf={csrf} />
      </div>,
    );
  });
}
