import type { ConformanceOptions } from '@xkslab/conformance';
import { XKS_API_SUFFIX } from '@xkslab/protocol';
import type { Hono } from 'hono';
import {
  type ConformanceKeyRole,
  createConformanceKeys,
  suggestConformanceKeys,
} from '../../keys/conformance-keys.ts';
import { ConformanceBusyError, type ConformanceRun } from '../conformance-runs.ts';
import {
  Badge,
  CsrfField,
  Empty,
  jsonDataUrl,
  LongValue,
  Table,
  URL_CHARS,
  when,
} from '../layout.tsx';
import {
  auditChange,
  errorText,
  FormError,
  formOf,
  optionalNumber,
  renderFragment,
  renderPage,
  runAction,
  seg,
} from '../page-kit.tsx';
import { UI_BASE, type UiDeps, type UiEnv, type UiState } from '../ui-deps.ts';

const BASE = `${UI_BASE}/conformance`;
const MAX_KEYS_SCANNED = 1000;

const ROLES: ReadonlyArray<{ field: ConformanceKeyRole; label: string; required?: true }> = [
  { field: 'keyId', label: 'Key (ENCRYPT and DECRYPT, enabled)', required: true },
  { field: 'encryptOnlyKeyId', label: 'Encrypt-only key' },
  { field: 'decryptOnlyKeyId', label: 'Decrypt-only key' },
  { field: 'noUsageKeyId', label: 'Key with neither usage' },
  { field: 'disabledKeyId', label: 'Disabled key' },
];

function statusBadge(status: string) {
  return status === 'pass' ? (
    <Badge tone="ok">pass</Badge>
  ) : status === 'fail' ? (
    <Badge tone="bad">fail</Badge>
  ) : status === 'na' ? (
    <Badge tone="muted">n/a</Badge>
  ) : (
    <Badge tone="warn">skip</Badge>
  );
}

/** A run: progress while it runs (app.js refreshes it), then its report. */
export function RunPanel(props: { run: ConformanceRun }) {
  const { run } = props;
  const running = run.state === 'running';
  return (
    <section
      class="card wide live"
      id="conformance-run"
      data-refresh={running ? `${UI_BASE}/live/conformance/${seg(run.id)}` : undefined}
      data-refresh-ms="700"
      data-testid="conformance-run"
      data-state={run.state}
    >
      <h2>{`Run ${run.id}`}</h2>
      <dl class="props">
        <dt>URL</dt>
        <dd>
          <LongValue value={run.target.url} code max={URL_CHARS} />
        </dd>
        <dt>Key</dt>
        <dd>
          <LongValue value={run.target.keyId} code />
        </dd>
        <dt>Region</dt>
        <dd>{run.target.region}</dd>
        <dt>Started</dt>
        <dd>{when(run.startedAt)}</dd>
      </dl>
      {running ? (
        <>
          <progress max={run.total || 1} value={run.done} data-testid="conformance-progress" />
          <p>
            {`${run.done} of ${run.total || '?'} checks · ${run.passed} passed · ${run.failed} failed · ${run.skipped} skipped`}
            {run.current ? ` · now: ${run.current}` : ''}
          </p>
          {run.load ? (
            <p>{`Load: ${Math.round(run.load.elapsedSeconds)} of ${run.load.seconds} s, ${run.load.sent} sent, ${run.load.errors} errors`}</p>
          ) : null}
        </>
      ) : null}
      {run.state === 'failed' ? (
        <p class="flash error" role="alert">
          {`The run could not start: ${run.error ?? 'unknown error'}`}
        </p>
      ) : null}
      {run.report ? (
        <>
          <p data-testid="conformance-summary">
            {run.report.summary.verdict === 'CONFORMS' ? (
              <Badge tone="ok">CONFORMS: no MUST check failed</Badge>
            ) : run.report.summary.verdict === 'INCOMPLETE' ? (
              <Badge tone="warn">{`INCOMPLETE: no MUST check failed, ${run.report.summary.mustSkipped} skipped`}</Badge>
            ) : (
              <Badge tone="bad">{`${run.report.summary.mustFailed} MUST check(s) failed`}</Badge>
            )}{' '}
            {`${run.report.summary.passed} passed, ${run.report.summary.failed} failed, ${run.report.summary.skipped} skipped in ${(run.report.summary.durationMs / 1000).toFixed(1)} s`}
          </p>
          <p>
            <a
              class="button plain"
              href={jsonDataUrl(run.report)}
              download={`conformance-${run.id}.json`}
            >
              Download the JSON report
            </a>
          </p>
          <Table head={['Result', 'Check', 'Spec', 'Severity', 'Message']}>
            {[...run.report.checks]
              .sort((a, b) => rank(a.status) - rank(b.status))
              .map((ch) => (
                <tr class={ch.status}>
                  <td>{statusBadge(ch.status)}</td>
                  <td>
                    <code>{ch.id}</code>
                    <div class="muted">{ch.title}</div>
                  </td>
                  <td>{ch.specRef}</td>
                  <td>{ch.severity}</td>
                  <td class="wrap">{ch.message}</td>
                </tr>
              ))}
          </Table>
          {run.report.load ? (
            <p>{`Load: ${run.report.load.achievedRps} req/s achieved, p50 ${run.report.load.latencyMs.p50} ms, p99 ${run.report.load.latencyMs.p99} ms, ${run.report.load.errorCount} errors, ${run.report.load.overDeadline} over 250 ms`}</p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function rank(status: string): number {
  return status === 'fail' ? 0 : status === 'skip' ? 1 : status === 'pass' ? 2 : 3;
}

/** Conformance: run the suite against a URL (this xkslab's key stores preselected). */
export function registerConformancePages(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
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
            CDIV, key usage, SigV4 negatives, method and path, robustness. Run here, in this
            process; the secret never reaches the browser.
          </p>
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
      </div>,
    );
  });

  app.post(`${BASE}/runs`, async (c) => {
    const form = await formOf(c);
    const session = c.get('session');
    const started = performance.now();
    try {
      const name = form.keyStore ?? '';
      const ks = name ? deps.registry.get(name) : undefined;
      if (name && !ks) throw new FormError(`no key store named '${name}'`);
      const accessKeyId = (form.accessKeyId ?? '').trim();
      const secret = ks ? ks.secretFor(accessKeyId) : form.secret;
      if (!secret) throw new FormError('accessKeyId: not a credential of this key store');
      const second = ks?.accessKeyIds.find((id) => id !== accessKeyId);
      const secondSecret = second === undefined ? undefined : ks?.secretFor(second);
      const keyId = (form.keyId ?? '').trim();
      if (!keyId) throw new FormError('keyId: choose a key with ENCRYPT and DECRYPT');
      const opt = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
      const loadRps = optionalNumber(form.loadRps);
      const options: ConformanceOptions = {
        url: (form.url ?? '').trim(),
        accessKeyId,
        secretAccessKey: secret,
        region: (form.region ?? '').trim(),
        keyId,
        encryptOnlyKeyId: opt(form.encryptOnlyKeyId),
        decryptOnlyKeyId: opt(form.decryptOnlyKeyId),
        noUsageKeyId: opt(form.noUsageKeyId),
        disabledKeyId: opt(form.disabledKeyId),
        ...(second && secondSecret
          ? { secondCredential: { accessKeyId: second, secretAccessKey: secondSecret } }
          : {}),
        ...(loadRps
          ? {
              load: {
                rps: Math.min(2000, loadRps),
                seconds: Math.min(120, optionalNumber(form.loadSeconds) ?? 10),
              },
            }
          : {}),
        ...(opt(form.only)
          ? {
              only: (form.only ?? '')
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
      };
      const run = state.runs.start(options, ks?.name);
      deps.logger.info('conformance run started', { id: run.id, url: options.url });
      auditChange(deps, c, ['POST', '/conformance'], { keyStore: ks?.name, accessKeyId }, started);
      return c.redirect(`${BASE}/runs/${seg(run.id)}`, 303);
    } catch (e) {
      session.flash = {
        kind: 'error',
        text: e instanceof ConformanceBusyError ? e.message : errorText(e),
      };
      return c.redirect(form.keyStore ? `${BASE}?keyStore=${seg(form.keyStore)}` : BASE, 303);
    }
  });

  app.post(`${BASE}/test-keys`, async (c) => {
    const form = await formOf(c);
    const name = form.keyStore ?? '';
    const back = `${BASE}?keyStore=${seg(name)}`;
    const ks = deps.registry.get(name);
    const module = ks?.module ?? '';
    return runAction(
      c,
      deps,
      { mirrors: ['POST', '/modules/{module}/keys'], back, audit: { module, keyStore: name } },
      async () => {
        if (!ks) throw new FormError(`no key store named '${name}'`);
        const { created: made } = await createConformanceKeys(
          {
            listKeys: (m) => deps.vcm.listKeys(m, { limit: MAX_KEYS_SCANNED }),
            createKey: async (m, id, usage) => {
              await deps.vcm.createKey(m, { id, usage, exportable: false });
            },
            disableKey: async (m, id) => {
              await deps.vcm.setKeyStatus(m, id, 'DISABLED');
            },
          },
          module,
        );
        return made.length
          ? `Created in ${module}: ${made.join(', ')}.`
          : `${module} already has a key for every role.`;
      },
    );
  });

  app.get(`${BASE}/runs/:id`, async (c) => {
    const run = state.runs.get(c.req.param('id'));
    if (!run) {
      return renderPage(
        c,
        deps,
        { title: 'Conformance run not found', active: 'conformance', status: 404 },
        <Empty>
          No such run (runs are kept in memory, the last 10). <a href={BASE}>Conformance</a>
        </Empty>,
      );
    }
    return renderPage(
      c,
      deps,
      { title: 'Conformance run', active: 'conformance' },
      <div class="grid">
        <RunPanel run={run} />
        <p>
          <a href={BASE}>Run again</a>
        </p>
      </div>,
    );
  });

  app.get(`${UI_BASE}/live/conformance/:id`, async (c) => {
    const run = state.runs.get(c.req.param('id'));
    if (!run) return c.text('no such run', 404);
    return renderFragment(c, <RunPanel run={run} />);
  });
}
