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

  app.get(`${UI_BASE}/live/conformance/:id`, async (c) => {
    const run = state.runs.get(c.req.param('id'));
    if (!run) return c.text('no such run', 404);
    return renderFragment(c, <RunPanel run={run} />);
  });
}
