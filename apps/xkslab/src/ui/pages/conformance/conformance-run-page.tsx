import { formatHtmlReport } from '@xkslab/conformance';
import type { Hono } from 'hono';
import { Empty } from '../../layout.tsx';
import { renderFragment, renderPage } from '../../page-kit.tsx';
import { UI_BASE, type UiDeps, type UiEnv, type UiState } from '../../ui-deps.ts';
import { CONFORMANCE_BASE as BASE } from './conformance-paths.ts';
import { RunPanel } from './conformance-run-panel.tsx';

/** A run's page, and the fragment that refreshes it while it runs. */
export function registerConformanceRunPage(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
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

  // The self-contained HTML report, as a file to keep or send (it is not shown under the
  // dashboard's CSP: its style is inline, and it is meant to be read offline).
  app.get(`${BASE}/runs/:id/report.html`, async (c) => {
    const run = state.runs.get(c.req.param('id'));
    if (!run?.report) return c.text('no such run, or it has no report yet', 404);
    return c.body(formatHtmlReport(run.report), 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-disposition': `attachment; filename="conformance-${run.id}.html"`,
      'cache-control': 'no-store',
    });
  });

  app.get(`${UI_BASE}/live/conformance/:id`, async (c) => {
    const run = state.runs.get(c.req.param('id'));
    if (!run) return c.text('no such run', 404);
    return renderFragment(c, <RunPanel run={run} />);
  });
}
