import { XKS_API_SUFFIX } from '@xkslab/protocol';
import type { KeyInfo } from '@xkslab/vcm';
import type { Hono } from 'hono';
import type { ConformanceKeys } from '../../../keys/conformance-keys.ts';
import { type ConformanceKeyRole, suggestConformanceKeys } from '../../../keys/conformance-keys.ts';
import type { KeyStoreDescription } from '../../../keystores/registry.ts';
import type { ConformanceRun } from '../../conformance-runs.ts';
import { CsrfField, Empty, LongValue, Table, when } from '../../layout.tsx';
import { renderPage, seg } from '../../page-kit.tsx';
import { UI_BASE, type UiDeps, type UiEnv, type UiState } from '../../ui-deps.ts';
import { CompareForms } from './conformance-compare-page.tsx';
import { CONFORMANCE_BASE as BASE, MAX_KEYS_SCANNED } from './conformance-paths.ts';

const ROLES: ReadonlyArray<{ field: ConformanceKeyRole; label: string; required?: true }> = [
  { field: 'keyId', label: 'Key (ENCRYPT and DECRYPT, enabled)', required: true },
  { field: 'encryptOnlyKeyId', label: 'Encrypt-only key' },
  { field: 'decryptOnlyKeyId', label: 'Decrypt-only key' },
  { field: 'noUsageKeyId', label: 'Key with neither usage' },
  { field: 'disabledKeyId', label: 'Disabled key' },
];

/** Which target the form is filled for: one of this xkslab's key stores, or another proxy. */
function TargetPicker(props: {
  stores: readonly KeyStoreDescription[];
  ks: KeyStoreDescription | undefined;
}) {
  const { stores, ks } = props;
  return (
    <form method="get" action={BASE} class="row" data-autosubmit="">
      <label>
        Target
        <select name="keyStore" data-testid="conformance-keystore">
          {stores.map((s) => (
            <option value={s.name} selected={s.name === ks?.name}>
              {`key store ${s.name}`}
            </option>
          ))}
          <option value="" selected={ks === undefined}>
            another XKS proxy
          </option>
        </select>
      </label>
      <button type="submit" class="plain">
        Choose
      </button>
    </form>
  );
}

/** Region and credential: a key store's own, or typed in for another proxy. */
function CredentialFields(props: { ks: KeyStoreDescription | undefined }) {
  const { ks } = props;
  return (
    <div class="row">
      <label>
        Region
        <input name="region" required value={ks?.region ?? ''} />
      </label>
      {ks ? (
        <label>
          Access key ID
          <select name="accessKeyId">
            {ks.credentials.map((cr) => (
              <option value={cr.accessKeyId}>{cr.accessKeyId}</option>
            ))}
          </select>
        </label>
      ) : (
        <label>
          Access key ID
          <input name="accessKeyId" required class="mono" />
        </label>
      )}
      {ks ? null : (
        <label>
          Secret access key
          <input name="secret" type="password" required autocomplete="off" />
        </label>
      )}
    </div>
  );
}

/** One key per role: picked from the key store's module, or typed in. */
function KeyRoleFields(props: {
  ks: KeyStoreDescription | undefined;
  keys: readonly KeyInfo[];
  picks: ConformanceKeys;
}) {
  const { ks, keys, picks } = props;
  return (
    <div class="row">
      {ROLES.map((role) =>
        ks ? (
          <label>
            {role.label}
            <select name={role.field}>
              {role.required ? null : <option value="">(skip its checks)</option>}
              {keys.map((k) => (
                <option value={k.id} selected={k.id === picks[role.field]}>
                  {k.id}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label>
            {role.label}
            <input name={role.field} required={role.required === true} class="mono" />
          </label>
        ),
      )}
    </div>
  );
}

/** A subset of the checks, and an optional load phase. */
function MoreOptions() {
  return (
    <details>
      <summary>More options</summary>
      <div class="row">
        <label>
          Only checks (ids or prefixes, comma-separated)
          <input name="only" placeholder="sigv4., encrypt.cdiv" />
        </label>
        <label>
          Load: requests/s
          <input name="loadRps" type="number" min="1" max="2000" />
        </label>
        <label>
          Load: seconds
          <input name="loadSeconds" type="number" min="1" max="120" value="10" />
        </label>
      </div>
    </details>
  );
}

/** What the target's module lacks: skipped checks, or no key to run at all. */
function MissingKeyHints(props: { ks: KeyStoreDescription | undefined; picks: ConformanceKeys }) {
  const { ks, picks } = props;
  return (
    <>
      {ks &&
      (!picks.encryptOnlyKeyId ||
        !picks.decryptOnlyKeyId ||
        !picks.noUsageKeyId ||
        !picks.disabledKeyId) ? (
        <p class="muted">
          Checks that need a key the module does not have are skipped: use{' '}
          <strong>Create the test keys</strong> below to add them.
        </p>
      ) : null}
      {ks && !picks.keyId ? (
        <p class="flash error">
          The module {ks.module} has no enabled key with ENCRYPT and DECRYPT:{' '}
          <a href={`${UI_BASE}/keys?module=${seg(ks.module)}`}>create one</a>.
        </p>
      ) : null}
    </>
  );
}

/** The runs kept in memory, newest first. */
function RecentRuns(props: { runs: readonly ConformanceRun[] }) {
  const { runs } = props;
  return (
    <section class="card wide">
      <h2>Recent runs</h2>
      {runs.length === 0 ? (
        <Empty>None yet.</Empty>
      ) : (
        <Table head={['Run', 'Started', 'Target', 'State', 'Result']}>
          {runs.map((r) => (
            <tr>
              <td>
                <a href={`${BASE}/runs/${seg(r.id)}`}>{r.id}</a>
              </td>
              <td class="time">{when(r.startedAt)}</td>
              <td>
                <LongValue value={r.target.keyStore ?? r.target.url} />
              </td>
              <td>{r.state}</td>
              <td>{`${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`}</td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}

/** The form that starts a run (this xkslab's key stores preselected) and the recent runs. */
export function registerConformanceFormPage(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
  app.get(BASE, async (c) => {
    const csrf = c.get('session').csrf;
    const stores = deps.registry.describeAll();
    const wanted = c.req.query('keyStore');
    const ks = wanted === '' ? undefined : (stores.find((s) => s.name === wanted) ?? stores[0]);
    const keys = ks
      ? await deps.vcm.listKeys(ks.module, { limit: MAX_KEYS_SCANNED }).catch(() => [])
      : [];
    const picks = suggestConformanceKeys(keys);
    const runs = state.runs.list();
    return renderPage(
      c,
      deps,
      { title: 'Conformance', active: 'conformance' },
      <div class="grid">
        <section class="card wide">
          <h2>Run the conformance suite</h2>
          <p class="muted">
            Happy paths against the spec's schemas, every error a black box can provoke, tampering,
            CDIV, key usage, the SigV4 matrix, crypto hygiene, transport, method and path,
            robustness. Run here, in this process; the secret never reaches the browser.
          </p>
          <TargetPicker stores={stores} ks={ks} />
          <form method="post" action={`${BASE}/runs`} class="stack">
            <CsrfField token={csrf} />
            <input type="hidden" name="keyStore" value={ks?.name ?? ''} />
            <label>
              URL
              <input
                name="url"
                required
                class="mono"
                value={ks ? `${deps.xksUrl}${ks.uriPathPrefix}${XKS_API_SUFFIX}` : ''}
                placeholder="https://proxy.example.com/prefix/kms/xks/v1"
              />
            </label>
            <CredentialFields ks={ks} />
            <KeyRoleFields ks={ks} keys={keys} picks={picks} />
            <MoreOptions />
            <MissingKeyHints ks={ks} picks={picks} />
            <button
              type="submit"
              class="primary"
              data-testid="run-conformance"
              disabled={state.runs.running}
            >
              {state.runs.running ? 'A run is in progress' : 'Run the suite'}
            </button>
          </form>
          {ks ? (
            <form method="post" action={`${BASE}/test-keys`} class="inline">
              <CsrfField token={csrf} />
              <input type="hidden" name="keyStore" value={ks.name} />
              <button type="submit" class="plain" data-testid="create-test-keys">
                {`Create the test keys in ${ks.module}`}
              </button>
            </form>
          ) : null}
        </section>
        <RecentRuns runs={runs} />
        <CompareForms runs={runs} csrf={csrf} />
      </div>,
    );
  });
}
