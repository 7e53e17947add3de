import type { Hono } from 'hono';
import { type AuditSearch, searchEntries } from '../audit-view.ts';
import { Badge, Empty } from '../layout.tsx';
import { renderPage } from '../page-kit.tsx';
import { UI_BASE, type UiDeps, type UiEnv, type UiState } from '../ui-deps.ts';
import { AuditRows } from './audit-rows.tsx';

const BASE = `${UI_BASE}/audit`;
const PAGE = 50;
const FIELDS = ['q', 'operation', 'result', 'keyStore', 'keyId'] as const;

function query(search: Record<string, string>, page: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(search)) if (v) params.set(k, v);
  if (page > 1) params.set('page', String(page));
  const s = params.toString();
  return s ? `${BASE}?${s}` : BASE;
}

/** Audit: the hash-chained log, searchable and paged (newest first), with its chain status. */
export function registerAuditPages(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
  app.get(BASE, async (c) => {
    if (!state.audit) {
      return renderPage(
        c,
        deps,
        { title: 'Audit', active: 'audit' },
        <Empty>This server keeps no audit log.</Empty>,
      );
    }
    const snapshot = await state.audit.snapshot();
    const raw: Record<string, string> = {};
    for (const f of FIELDS) raw[f] = (c.req.query(f) ?? '').slice(0, 200);
    const search: AuditSearch = {
      q: raw.q,
      operation: raw.operation || undefined,
      result: raw.result || undefined,
      keyStore: raw.keyStore || undefined,
      keyId: raw.keyId || undefined,
    };
    const found = searchEntries(snapshot.entries, search).reverse();
    const pages = Math.max(1, Math.ceil(found.length / PAGE));
    const page = Math.min(pages, Math.max(1, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const shown = found.slice((page - 1) * PAGE, page * PAGE);
    const operations = [...new Set(snapshot.entries.map((e) => e.operation))].sort();
    const results = [...new Set(snapshot.entries.map((e) => e.result))].sort();
    const chain = snapshot.chain;
    return renderPage(
      c,
      deps,
      { title: 'Audit', active: 'audit' },
      <div class="grid">
        <section class="card wide">
          <h2>Chain</h2>
          {chain.ok ? (
            <p data-testid="chain-status">
              <Badge tone="ok">verified</Badge>{' '}
              {`${chain.entries} entries, every hash and link checks out. Head: seq ${chain.head.seq}, `}
              <code class="wrap">{chain.head.hash}</code>
            </p>
          ) : (
            <p data-testid="chain-status">
              <Badge tone="bad">broken</Badge>{' '}
              {`at line ${chain.bad.line}${chain.bad.seq === undefined ? '' : ` (seq ${chain.bad.seq})`}: ${chain.bad.reason}. The ${chain.entries} entries before it verify.`}
            </p>
          )}
          <p class="muted">
            {`${snapshot.bytes} bytes in ${deps.auditLog?.file ?? 'audit.log'}. Keep the head hash elsewhere to detect a log cut short.`}
          </p>
        </section>
        <section class="card wide">
          <form method="get" action={BASE} class="row">
            <label>
              Search
              <input
                name="q"
                value={raw.q}
                placeholder="words in any field (request id, principal...)"
                data-testid="audit-q"
              />
            </label>
            <label>
              Operation
              <select name="operation">
                <option value="">any</option>
                {operations.map((o) => (
                  <option value={o} selected={o === raw.operation}>
                    {o}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Result
              <select name="result" data-testid="audit-result">
                <option value="">any</option>
                <option value="error" selected={raw.result === 'error'}>
                  any error
                </option>
                {results.map((r) => (
                  <option value={r} selected={r === raw.result}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Key store
              <input name="keyStore" value={raw.keyStore} />
            </label>
            <label>
              Key id
              <input name="keyId" value={raw.keyId} />
            </label>
            <button type="submit" class="primary">
              Search
            </button>
          </form>
          <p class="muted" data-testid="audit-count">
            {`${found.length} matching entr${found.length === 1 ? 'y' : 'ies'}, newest first. Page ${page} of ${pages}.`}
            {snapshot.total > snapshot.entries.length
              ? ` Searched: the newest ${snapshot.entries.length} of ${snapshot.total} entries ('xkslab audit query' searches them all).`
              : ''}
          </p>
          {shown.length === 0 ? <Empty>Nothing matches.</Empty> : <AuditRows entries={shown} />}
          <p class="pager">
            {page > 1 ? <a href={query(raw, page - 1)}>Newer</a> : null}{' '}
            {page < pages ? <a href={query(raw, page + 1)}>Older</a> : null}
          </p>
        </section>
      </div>,
    );
  });
}
