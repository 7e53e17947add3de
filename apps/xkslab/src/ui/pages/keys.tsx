import {
  CreateKeyRequest,
  EXTERNAL_KEY_ID_PATTERN,
  ExportKeyRequest,
  ImportKeyRequest,
  type ImportParams,
  KeyUsageValue,
  ScheduleKeyDeletionRequest,
  WRAPPING_ALGORITHM,
} from '@xkslab/protocol';
import type { KeyInfo, ModuleInfo } from '@xkslab/vcm';
import type { Hono } from 'hono';
import type { AuditEntry } from '../../audit/audit-entry.ts';
import {
  destroyKey,
  exportKey,
  importKey,
  requireKey,
  requireModule,
} from '../../services/operations.ts';
import { searchEntries } from '../audit-view.ts';
import {
  ActionButton,
  Badge,
  Breakable,
  CsrfField,
  Empty,
  LongValue,
  ROW_NAME_CHARS,
  SecretValue,
  stateTone,
  Table,
  when,
} from '../layout.tsx';
import {
  auditChange,
  errorText,
  FormError,
  formAll,
  formOf,
  logInternal,
  parseForm,
  renderPage,
  runAction,
  seg,
} from '../page-kit.tsx';
import { PolicyEditor, savePolicy } from '../policy-form.tsx';
import { UI_BASE, type UiDeps, type UiEnv, type UiState } from '../ui-deps.ts';

const BASE = `${UI_BASE}/keys`;
const PAGE = 50;
const RECENT_CALLS = 25;
const XKS_OPERATIONS = ['GetKeyMetadata', 'Encrypt', 'Decrypt'];

/** The download name of an exported key: `<module>-<key>-export.json` (safe characters only). */
export function exportFileName(module: string, keyId: string): string {
  return `${module}-${keyId}-export.json`.replace(/[^A-Za-z0-9._-]/g, '_');
}

const keyHref = (k: { module: string; id: string }) => `${BASE}/${seg(k.module)}/${seg(k.id)}`;

function KeyState(props: { k: KeyInfo }) {
  const { k } = props;
  return (
    <>
      <Badge tone={stateTone(k.state)}>{k.state}</Badge>
      {k.blocked ? (
        <>
          {' '}
          <Badge tone="bad">blocked</Badge>
        </>
      ) : null}
    </>
  );
}

/** A table of keys linking to each key's page (also on a module's page). */
export function KeyRows(props: { keys: readonly KeyInfo[] }) {
  return (
    <Table head={['Key', 'State', 'Usage', 'Origin', 'Version', 'Created']}>
      {props.keys.map((k) => (
        <tr data-testid={`key-row-${k.id}`}>
          <td>
            <LongValue value={k.id} href={keyHref(k)} max={ROW_NAME_CHARS} />
          </td>
          <td>
            <KeyState k={k} />
          </td>
          <td>{k.usage.join(', ') || 'none'}</td>
          <td>{`${k.origin.toLowerCase()}${k.exportable ? ', exportable' : ''}`}</td>
          <td class="num">{k.currentVersion}</td>
          <td class="time">{when(k.createdAt)}</td>
        </tr>
      ))}
    </Table>
  );
}

/** Key store names as links, comma-separated (`-` for none). */
export function KeyStoreLinks(props: { names: readonly string[] }) {
  if (props.names.length === 0) return '-';
  return props.names.map((name, i) => (
    <>
      {i > 0 ? ', ' : null}
      <LongValue value={name} href={`${UI_BASE}/keystores/${seg(name)}`} />
    </>
  ));
}

/** The usage checkboxes of a key creation form (ENCRYPT and DECRYPT checked). */
export function UsageChecks(props: { name: string }) {
  return (
    <fieldset class="checks">
      <legend>Usage (fixed at creation)</legend>
      {KeyUsageValue.options.map((u) => (
        <label class="check">
          <input
            type="checkbox"
            name={props.name}
            value={u}
            checked={u === 'ENCRYPT' || u === 'DECRYPT'}
          />{' '}
          {u}
        </label>
      ))}
    </fieldset>
  );
}

function ModulePicker(props: { modules: readonly ModuleInfo[]; selected: string | undefined }) {
  return (
    <form method="get" action={BASE} class="row" data-autosubmit="">
      <label>
        Module
        <select name="module" data-testid="module-picker">
          {props.modules.map((m) => (
            <option value={m.name} selected={m.name === props.selected}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="plain">
        Show
      </button>
    </form>
  );
}

/** What one key's recent calls add up to: calls per operation and result. */
function usageOf(entries: readonly AuditEntry[]) {
  const rows = new Map<string, { operation: string; ok: number; failed: number; last: string }>();
  for (const e of entries) {
    if (!XKS_OPERATIONS.includes(e.operation)) continue;
    const row = rows.get(e.operation) ?? { operation: e.operation, ok: 0, failed: 0, last: '' };
    if (e.result === 'ok') row.ok++;
    else row.failed++;
    row.last = e.time;
    rows.set(e.operation, row);
  }
  return [...rows.values()];
}

/** Most characters of a principal shown: an ARN's account and the end of its role name. */
const PRINCIPAL_CHARS = 44;

/** An audit field that can be long (a principal ARN, a request id, a key id), or `-`. */
function Field(props: { value: string | undefined; max?: number }) {
  if (props.value === undefined) return '-';
  return props.max === undefined ? (
    <LongValue value={props.value} />
  ) : (
    <LongValue value={props.value} max={props.max} />
  );
}

/**
 * The rows of audit entries (audit page, key page): the time first and on one line, the long
 * fields shortened, each whole one click away.
 */
export function AuditRows(props: { entries: readonly AuditEntry[] }) {
  return (
    <Table
      head={['Time', 'Operation', 'Result', 'Key store', 'Key', 'ms', 'Principal, request id']}
    >
      {props.entries.map((e) => (
        <tr>
          <td class="time">{when(e.time)}</td>
          <td>
            <Breakable text={e.operation} />
          </td>
          <td>
            {e.result === 'ok' ? <Badge tone="ok">ok</Badge> : <Badge tone="bad">{e.result}</Badge>}
          </td>
          <td>
            <Field value={e.keyStore} />
          </td>
          <td>
            <Field value={e.keyId} />
          </td>
          <td class="num">{e.durationMs ?? '-'}</td>
          <td>
            <Field value={e.principal} max={PRINCIPAL_CHARS} />
            {e.kmsRequestId === undefined ? null : (
              <div class="muted">
                <LongValue value={e.kmsRequestId} />
              </div>
            )}
          </td>
        </tr>
      ))}
    </Table>
  );
}

function ImportForm(props: { module: string; csrf: string; params?: ImportParams | undefined }) {
  return (
    <form method="post" action={`${BASE}/${seg(props.module)}/import`} class="stack">
      <CsrfField token={props.csrf} />
      <label>
        Key id
        <input name="id" required autocomplete="off" />
      </label>
      <UsageChecks name="usage" />
      <label class="check">
        <input type="checkbox" name="exportable" value="true" /> Exportable
      </label>
      <label>
        Import token
        <input name="importToken" required value={props.params?.importToken ?? ''} class="mono" />
      </label>
      <label>
        Wrapped key material (Base64)
        <textarea name="wrappedKeyMaterial" rows={5} required class="mono" />
      </label>
      <button type="submit" class="primary">
        Import key
      </button>
    </form>
  );
}

/** Keys: create, import (wrapped), the whole lifecycle, usage and recent calls. Never material. */
export function registerKeyPages(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
  app.get(BASE, async (c) => {
    const csrf = c.get('session').csrf;
    const modules = await deps.vcm.listModules();
    const wanted = c.req.query('module');
    const module = modules.find((m) => m.name === wanted) ?? modules[0];
    if (!module) {
      return renderPage(
        c,
        deps,
        { title: 'Keys', active: 'keys' },
        <Empty>
          Keys live in modules: <a href={`${UI_BASE}/modules`}>deploy a module</a> first.
        </Empty>,
      );
    }
    const afterParam = c.req.query('after');
    const after =
      afterParam !== undefined && EXTERNAL_KEY_ID_PATTERN.test(afterParam) ? afterParam : undefined;
    const keys = await deps.vcm.listKeys(module.name, {
      limit: PAGE + 1,
      ...(after === undefined ? {} : { after }),
    });
    const more = keys.length > PAGE;
    const shown = keys.slice(0, PAGE);
    const last = shown.at(-1);
    const moduleQ = `module=${seg(module.name)}`;
    return renderPage(
      c,
      deps,
      { title: 'Keys', active: 'keys' },
      <div class="grid">
        <section class="card wide">
          <ModulePicker modules={modules} selected={module.name} />
          <h2>
            Keys of <LongValue value={module.name} inline />
          </h2>
          {shown.length === 0 ? <Empty>No key here yet.</Empty> : <KeyRows keys={shown} />}
          <p class="pager">
            {after !== undefined ? <a href={`${BASE}?${moduleQ}`}>First page</a> : null}{' '}
            {more && last ? (
              <a href={`${BASE}?${moduleQ}&after=${seg(last.id)}`}>Next page</a>
            ) : null}
          </p>
        </section>
        <section class="card">
          <h2>Create a key</h2>
          <p class="muted">AES-256, generated inside the module; the material never leaves it.</p>
          <form method="post" action={`${BASE}/${seg(module.name)}`} class="stack">
            <CsrfField token={csrf} />
            <label>
              Key id
              <input name="id" required autocomplete="off" placeholder="app-key-1" />
            </label>
            <UsageChecks name="usage" />
            <label class="check">
              <input type="checkbox" name="exportable" value="true" /> Exportable (wrapped under a
              caller's RSA key)
            </label>
            <button type="submit" class="primary" data-testid="create-key">
              Create key
            </button>
          </form>
        </section>
        <section class="card">
          <h2>Import a key (BYOK)</h2>
          <p class="muted">
            Step 1: get a one-time RSA-3072 import-wrapping key. Step 2: wrap your 32 bytes with{' '}
            {WRAPPING_ALGORITHM} and paste the result.
          </p>
          <ActionButton
            action={`${BASE}/${seg(module.name)}/import-params`}
            csrf={csrf}
            label="Get import parameters"
            kind="primary"
          />
          <details>
            <summary>I already have an import token</summary>
            <ImportForm module={module.name} csrf={csrf} />
          </details>
        </section>
      </div>,
    );
  });

  app.post(`${BASE}/:module`, async (c) => {
    const module = c.req.param('module');
    const form = await formOf(c);
    const usage = await formAll(c, 'usage');
    return runAction(
      c,
      deps,
      {
        mirrors: ['POST', '/modules/{module}/keys'],
        back: `${BASE}?module=${seg(module)}`,
        audit: { module, keyId: form.id },
      },
      async () => {
        const body = parseForm(CreateKeyRequest, {
          id: form.id ?? '',
          usage,
          exportable: form.exportable === 'true',
        });
        const key = await deps.vcm.createKey(module, body);
        return `Key ${key.id} created in ${module} (${key.usage.join(', ') || 'no usage'}).`;
      },
    );
  });

  app.post(`${BASE}/:module/import-params`, async (c) => {
    const module = c.req.param('module');
    const csrf = c.get('session').csrf;
    const started = performance.now();
    let params: ImportParams;
    try {
      await requireModule(deps, module);
      params = await deps.imports.create(module);
    } catch (e) {
      logInternal(deps, c, e);
      c.get('session').flash = { kind: 'error', text: errorText(e) };
      return c.redirect(`${BASE}?module=${seg(module)}`, 303);
    }
    auditChange(deps, c, ['POST', '/modules/{module}/import-params'], { module }, started);
    return renderPage(
      c,
      deps,
      {
        title: `Import a key into ${module}`,
        heading: (
          <>
            Import a key into <LongValue value={module} inline />
          </>
        ),
        active: 'keys',
      },
      <div class="grid">
        <section class="card wide">
          <h2>Import parameters</h2>
          <p>
            Good for one import until {when(params.expiresAt)}. Wrap a random AES-256 key K with
            RSA-OAEP-SHA256 under this public key, the 32 bytes of key material with AES key wrap
            with padding (RFC 5649) under K, and paste both concatenated, in Base64.
          </p>
          <SecretValue id="import-token" label="Import token" value={params.importToken} />
          <h3>Public key ({params.wrappingKeySpec}, PEM)</h3>
          <pre class="mono wrap" id="import-public-key">
            {params.publicKey}
          </pre>
          <button type="button" class="plain copy" data-copy="import-public-key">
            Copy public key
          </button>
        </section>
        <section class="card wide">
          <h2>Import</h2>
          <ImportForm module={module} csrf={csrf} params={params} />
        </section>
      </div>,
    );
  });

  app.post(`${BASE}/:module/import`, async (c) => {
    const module = c.req.param('module');
    const form = await formOf(c);
    const usage = await formAll(c, 'usage');
    return runAction(
      c,
      deps,
      {
        mirrors: ['POST', '/modules/{module}/keys/import'],
        back: `${BASE}?module=${seg(module)}`,
        audit: { module, keyId: form.id },
      },
      async () => {
        const body = parseForm(ImportKeyRequest, {
          id: form.id ?? '',
          usage,
          exportable: form.exportable === 'true',
          importToken: (form.importToken ?? '').trim(),
          wrappedKeyMaterial: (form.wrappedKeyMaterial ?? '').replace(/\s+/g, ''),
        });
        const key = await importKey(deps, module, body);
        return `Key ${key.id} imported into ${module}.`;
      },
    );
  });

  app.get(`${BASE}/:module/:keyId`, async (c) => {
    const csrf = c.get('session').csrf;
    const module = c.req.param('module');
    const id = c.req.param('keyId');
    const key = await deps.vcm.getKey(module, id);
    if (!key) {
      return renderPage(
        c,
        deps,
        { title: 'Key not found', active: 'keys', status: 404 },
        <Empty>
          No key <LongValue value={id} code inline /> in module{' '}
          <LongValue value={module} code inline />.{' '}
          <a href={`${BASE}?module=${seg(module)}`}>
            Keys of <LongValue value={module} inline />
          </a>
        </Empty>,
      );
    }
    const stores = deps.registry
      .list()
      .filter((ks) => ks.module === module)
      .map((ks) => ks.name);
    let calls: AuditEntry[] | undefined;
    if (state.audit) {
      const snapshot = await state.audit.snapshot();
      calls = searchEntries(snapshot.entries, { keyId: id, module }).filter(
        (e) => e.module === module || (e.keyStore !== undefined && stores.includes(e.keyStore)),
      );
    }
    const here = keyHref(key);
    const action = (
      name: string,
      label: string,
      kind: 'primary' | 'danger' | 'plain',
      confirm?: string,
    ) => (
      <ActionButton
        action={`${here}/${name}`}
        csrf={csrf}
        label={label}
        kind={kind}
        testId={`key-${name}`}
        {...(confirm ? { confirm } : {})}
      />
    );
    const pending = key.state === 'PENDING_DELETION';
    const destroyable =
      pending &&
      key.deletionDate !== undefined &&
      Date.parse(key.deletionDate) <= deps.clock().getTime();
    return renderPage(
      c,
      deps,
      {
        title: `Key ${id}`,
        heading: (
          <>
            Key <LongValue value={id} inline />
          </>
        ),
        active: 'keys',
      },
      <div class="grid">
        <section class="card">
          <h2>Key</h2>
          <dl class="props">
            <dt>Key id</dt>
            <dd>
              <LongValue value={id} code testId="key-id" />
            </dd>
            <dt>Module</dt>
            <dd>
              <LongValue value={module} href={`${UI_BASE}/modules/${seg(module)}`} />
            </dd>
            <dt>State</dt>
            <dd data-testid="key-state">
              <KeyState k={key} />
            </dd>
            <dt>XKS keyStatus</dt>
            <dd>{key.status}</dd>
            <dt>Usage</dt>
            <dd>{key.usage.join(', ') || 'none'}</dd>
            <dt>Origin</dt>
            <dd>{`${key.origin}${key.exportable ? ' (exportable)' : ''}`}</dd>
            <dt>Created</dt>
            <dd>{when(key.createdAt)}</dd>
            {key.deletionDate ? (
              <>
                <dt>Deletion date</dt>
                <dd>{when(key.deletionDate)}</dd>
              </>
            ) : null}
            <dt>Key stores</dt>
            <dd>
              <KeyStoreLinks names={stores} />
            </dd>
          </dl>
          <p class="muted">Key material is never shown.</p>
        </section>
        <section class="card">
          <h2>Lifecycle</h2>
          <div class="buttons">
            {key.state === 'ENABLED' ? action('disable', 'Disable', 'danger') : null}
            {key.state === 'DISABLED' ? action('enable', 'Enable', 'primary') : null}
            {pending ? null : action('rotate', 'Rotate', 'plain', `Rotate ${id} to a new version?`)}
            {key.blocked
              ? action('unblock', 'Unblock', 'primary')
              : action(
                  'block',
                  'Block (kill switch)',
                  'danger',
                  `Block ${id}? Every call will fail.`,
                )}
            {pending ? action('cancel-deletion', 'Cancel deletion', 'primary') : null}
            {destroyable
              ? action('destroy', 'Destroy now', 'danger', `Destroy ${id} for ever?`)
              : null}
          </div>
          {pending ? null : (
            <form
              method="post"
              action={`${here}/schedule-deletion`}
              class="row"
              data-confirm={`Schedule the deletion of ${id}?`}
            >
              <CsrfField token={csrf} />
              <label>
                Waiting period (days)
                <input name="pendingWindowDays" type="number" min="1" max="30" value="30" />
              </label>
              <button type="submit" class="danger">
                Schedule deletion
              </button>
            </form>
          )}
        </section>
        <section class="card">
          <h2>Versions</h2>
          <Table head={['Version', 'Created', '']}>
            {[...key.versions].reverse().map((v) => (
              <tr>
                <td class="num">{v.version}</td>
                <td class="time">{when(v.createdAt)}</td>
                <td>
                  {v.version === key.currentVersion ? <Badge tone="info">current</Badge> : null}
                </td>
              </tr>
            ))}
          </Table>
        </section>
        <section class="card">
          <h2>Usage (from the audit log)</h2>
          {calls === undefined ? (
            <Empty>This server keeps no audit log.</Empty>
          ) : usageOf(calls).length === 0 ? (
            <Empty>No XKS call on this key yet.</Empty>
          ) : (
            <Table head={['Operation', 'ok', 'failed', 'Last']}>
              {usageOf(calls).map((u) => (
                <tr>
                  <td>{u.operation}</td>
                  <td class="num">{u.ok}</td>
                  <td class="num">{u.failed}</td>
                  <td class="time">{when(u.last)}</td>
                </tr>
              ))}
            </Table>
          )}
        </section>
        <section class="card">
          <h2>Export</h2>
          {key.exportable ? (
            <form method="post" action={`${here}/export`} class="stack">
              <CsrfField token={csrf} />
              <p class="muted">
                Every version, each wrapped as {WRAPPING_ALGORITHM} under your RSA public key, as a
                JSON file (the admin API's <code>export</code> answer).
              </p>
              <label>
                Your RSA public key (PEM, 2048-8192 bits)
                <textarea
                  name="publicKey"
                  rows={6}
                  required
                  class="mono"
                  placeholder="-----BEGIN PUBLIC KEY-----"
                  data-testid="export-public-key"
                />
              </label>
              <button type="submit" class="primary" data-testid="key-export">
                Export (download)
              </button>
            </form>
          ) : (
            <Empty>
              <span data-testid="key-not-exportable">
                Not exportable: only a key created or imported with <em>Exportable</em> checked can
                be exported, and that choice is fixed at creation.
              </span>
            </Empty>
          )}
        </section>
        <section class="card wide">
          <h2>Recent calls</h2>
          {calls && calls.length > 0 ? (
            <>
              <AuditRows entries={calls.slice(-RECENT_CALLS).reverse()} />
              <p>
                <a href={`${UI_BASE}/audit?keyId=${seg(id)}`}>
                  All entries for <LongValue value={id} inline />
                </a>
              </p>
            </>
          ) : (
            <Empty>None yet.</Empty>
          )}
        </section>
        <section class="card wide">
          <h2>Authorization policy</h2>
          <PolicyEditor
            action={`${here}/policy`}
            csrf={csrf}
            policy={deps.policies.get({ module, keyId: id })?.policy}
            what="key"
          />
        </section>
      </div>,
    );
  });

  const LIFECYCLE: Record<
    string,
    { route: string; done: string; run: (module: string, id: string) => Promise<KeyInfo> }
  > = {
    enable: {
      route: 'enable',
      done: 'enabled',
      run: (m, id) => deps.vcm.setKeyStatus(m, id, 'ENABLED'),
    },
    disable: {
      route: 'disable',
      done: 'disabled: XKS calls on it answer InvalidStateException',
      run: (m, id) => deps.vcm.setKeyStatus(m, id, 'DISABLED'),
    },
    rotate: { route: 'rotate', done: 'rotated', run: (m, id) => deps.vcm.rotateKey(m, id) },
    block: {
      route: 'block',
      done: 'blocked: every call answers InvalidStateException',
      run: (m, id) => deps.vcm.setKeyBlocked(m, id, true),
    },
    unblock: {
      route: 'unblock',
      done: 'unblocked',
      run: (m, id) => deps.vcm.setKeyBlocked(m, id, false),
    },
    'cancel-deletion': {
      route: 'cancel-deletion',
      done: 'no longer pending deletion (it stays DISABLED)',
      run: (m, id) => deps.vcm.cancelKeyDeletion(m, id),
    },
  };

  app.post(`${BASE}/:module/:keyId/:action`, async (c) => {
    const { module, keyId, action } = c.req.param();
    const form = await formOf(c);
    const here = keyHref({ module, id: keyId });
    const audit = { module, keyId };
    const simple = LIFECYCLE[action];
    if (simple) {
      return runAction(
        c,
        deps,
        { mirrors: ['POST', `/modules/{module}/keys/{keyId}/${simple.route}`], back: here, audit },
        async () => {
          await requireKey(deps, module, keyId);
          const key = await simple.run(module, keyId);
          return `Key ${key.id} ${simple.done}${action === 'rotate' ? ` to version ${key.currentVersion}` : ''}.`;
        },
      );
    }
    switch (action) {
      case 'schedule-deletion':
        return runAction(
          c,
          deps,
          {
            mirrors: ['POST', '/modules/{module}/keys/{keyId}/schedule-deletion'],
            back: here,
            audit,
          },
          async () => {
            const body = parseForm(ScheduleKeyDeletionRequest, {
              pendingWindowDays: Number(form.pendingWindowDays ?? 30),
            });
            await requireKey(deps, module, keyId);
            const key = await deps.vcm.scheduleKeyDeletion(module, keyId, body.pendingWindowDays);
            return `Key ${key.id} is pending deletion until ${when(key.deletionDate)}.`;
          },
        );
      case 'destroy':
        return runAction(
          c,
          deps,
          {
            mirrors: ['DELETE', '/modules/{module}/keys/{keyId}'],
            back: `${BASE}?module=${seg(module)}`,
            audit,
          },
          async () => {
            await destroyKey(deps, module, keyId);
            return `Key ${keyId} destroyed.`;
          },
        );
      case 'export': {
        const started = performance.now();
        let body: string;
        try {
          const { publicKey } = parseForm(ExportKeyRequest, { publicKey: form.publicKey ?? '' });
          body = JSON.stringify(await exportKey(deps, module, keyId, publicKey));
        } catch (e) {
          logInternal(deps, c, e);
          c.get('session').flash = { kind: 'error', text: errorText(e) };
          return c.redirect(here, 303);
        }
        auditChange(deps, c, ['POST', '/modules/{module}/keys/{keyId}/export'], audit, started);
        return c.body(body, 200, {
          'content-type': 'application/json; charset=utf-8',
          'content-disposition': `attachment; filename="${exportFileName(module, keyId)}"`,
          'cache-control': 'no-store',
        });
      }
      case 'policy':
        return runAction(
          c,
          deps,
          { mirrors: ['PUT', '/modules/{module}/keys/{keyId}/policy'], back: here, audit },
          async () => {
            await requireKey(deps, module, keyId);
            return savePolicy(deps, { module, keyId }, form.policy);
          },
        );
      default:
        return runAction(c, deps, { mirrors: ['POST', '/'], back: here }, async () => {
          throw new FormError(`no key action '${action}'`);
        });
    }
  });
}
