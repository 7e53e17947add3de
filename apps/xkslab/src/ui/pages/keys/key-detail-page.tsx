import { WRAPPING_ALGORITHM } from '@xkslab/protocol';
import type { KeyInfo } from '@xkslab/vcm';
import type { Hono } from 'hono';
import type { AuditEntry } from '../../../audit/audit-entry.ts';
import { searchEntries } from '../../audit-view.ts';
import {
  ActionButton,
  Badge,
  CsrfField,
  Empty,
  LongValue,
  PostForm,
  Table,
  when,
} from '../../layout.tsx';
import { renderPage, seg } from '../../page-kit.tsx';
import { PolicyEditor } from '../../policy-form.tsx';
import { UI_BASE, type UiDeps, type UiEnv, type UiState } from '../../ui-deps.ts';
import { AuditRows } from '../audit-rows.tsx';
import { KEYS_BASE as BASE, KeyState, KeyStoreLinks, keyHref } from './key-parts.tsx';

const RECENT_CALLS = 25;
const XKS_OPERATIONS = ['GetKeyMetadata', 'Encrypt', 'Decrypt'];

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

/** What a key is: id, module, state, usage, origin, dates, the key stores serving it. */
function KeyFactsCard(props: {
  id: string;
  module: string;
  k: KeyInfo;
  stores: readonly string[];
}) {
  const { id, module, k: key, stores } = props;
  return (
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
  );
}

/** Calls per XKS operation on this key, from the audit log. */
function UsageCard(props: { calls: readonly AuditEntry[] | undefined }) {
  const { calls } = props;
  return (
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
  );
}

/** The export form of an exportable key, or why it cannot be exported. */
function ExportCard(props: { k: KeyInfo; here: string; csrf: string }) {
  const { k: key, here, csrf } = props;
  return (
    <section class="card">
      <h2>Export</h2>
      {key.exportable ? (
        <PostForm
          action={`${here}/export`}
          csrf={csrf}
          submit="Export (download)"
          testId="key-export"
        >
          <p class="muted">
            Every version, each wrapped as {WRAPPING_ALGORITHM} under your RSA public key, as a JSON
            file (the admin API's <code>export</code> answer).
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
        </PostForm>
      ) : (
        <Empty>
          <span data-testid="key-not-exportable">
            Not exportable: only a key created or imported with <em>Exportable</em> checked can be
            exported, and that choice is fixed at creation.
          </span>
        </Empty>
      )}
    </section>
  );
}

/** One key's page: facts, lifecycle buttons, versions, usage, export, recent calls, policy. */
export function registerKeyDetailPage(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
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
        <KeyFactsCard id={id} module={module} k={key} stores={stores} />
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
        <UsageCard calls={calls} />
        <ExportCard k={key} here={here} csrf={csrf} />
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
}
