import {
  CHANGE_LABELS,
  type ComparedRun,
  type ConformanceReport,
  compareReports,
  comparisonSummary,
  parseConformanceReport,
  type ReportComparison,
  ReportFormatError,
  sideText,
} from '@xkslab/conformance';
import type { Hono } from 'hono';
import type { ConformanceRun } from '../../conformance-runs.ts';
import { Badge, CsrfField, Empty, LongValue, Table, URL_CHARS, when } from '../../layout.tsx';
import { FormError, renderPage } from '../../page-kit.tsx';
import type { UiContext, UiDeps, UiEnv, UiState } from '../../ui-deps.ts';
import { CONFORMANCE_BASE as BASE, CONFORMANCE_COMPARE } from './conformance-paths.ts';

/** A stored run as a choice of the compare form: finished runs only. */
function runLabel(run: ConformanceRun): string {
  return `${run.id} · ${when(run.startedAt)} · ${run.target.keyStore ?? run.target.url} · ${run.report?.summary.verdict ?? ''}`;
}

/** Compare two of the runs kept in memory, or two JSON reports uploaded from files. */
export function CompareForms(props: { runs: readonly ConformanceRun[]; csrf: string }) {
  const done = props.runs.filter((r) => r.report !== undefined);
  return (
    <section class="card wide">
      <h2>Compare two runs</h2>
      <p class="muted">
        The checks whose result or answer differs, side by side: two proxies, or one proxy before
        and after a change (as <code>xkslab conformance compare A.json B.json</code>).
      </p>
      {done.length < 2 ? (
        <Empty>Two finished runs are needed here; or upload two JSON reports below.</Empty>
      ) : (
        <form method="get" action={CONFORMANCE_COMPARE} class="row">
          {(['a', 'b'] as const).map((side, i) => (
            <label>
              {`Run ${side.toUpperCase()}`}
              <select name={side} data-testid={`compare-${side}`}>
                {done.map((r, j) => (
                  <option value={r.id} selected={j === (i === 0 ? 1 : 0)}>
                    {runLabel(r)}
                  </option>
                ))}
              </select>
            </label>
          ))}
          <button type="submit" class="primary" data-testid="compare-runs">
            Compare
          </button>
        </form>
      )}
      <form method="post" action={CONFORMANCE_COMPARE} enctype="multipart/form-data" class="row">
        <CsrfField token={props.csrf} />
        <label>
          Report A (JSON)
          <input type="file" name="a" accept=".json,application/json" required />
        </label>
        <label>
          Report B (JSON)
          <input type="file" name="b" accept=".json,application/json" required />
        </label>
        <button type="submit" class="plain" data-testid="compare-upload">
          Compare the files
        </button>
      </form>
    </section>
  );
}

function RunCell(props: { name: string; run: ComparedRun }) {
  const { run } = props;
  return (
    <tr>
      <td>{props.name}</td>
      <td>
        <LongValue value={run.label} />
      </td>
      <td>
        <LongValue value={run.url} code max={URL_CHARS} />
      </td>
      <td class="time">{run.startedAt}</td>
      <td>{`${run.verdict} (exit ${run.exitStatus})`}</td>
      <td>{run.checks}</td>
    </tr>
  );
}

function changeTone(change: string) {
  return change === 'broke' ? 'bad' : change === 'fixed' ? 'ok' : 'warn';
}

/** The same table as the CLI's: change, check, severity, spec, A and B. */
function ComparisonView(props: { cmp: ReportComparison }) {
  const { cmp } = props;
  return (
    <section class="card wide" data-testid="comparison">
      <h2>Comparison</h2>
      <p data-testid="compare-summary">{comparisonSummary(cmp)}</p>
      <Table head={['', 'Report', 'URL', 'Started', 'Verdict', 'Checks']}>
        <RunCell name="A" run={cmp.a} />
        <RunCell name="B" run={cmp.b} />
      </Table>
      {cmp.rows.length === 0 ? (
        <Empty>No check differs.</Empty>
      ) : (
        <div data-testid="compare-table">
          <Table head={['Change', 'Check', 'Severity', 'Spec', 'A', 'B']}>
            {cmp.rows.map((r) => (
              <tr data-check={r.id}>
                <td>
                  <Badge tone={changeTone(r.change)}>{CHANGE_LABELS[r.change]}</Badge>
                </td>
                <td>
                  <code>{r.id}</code>
                  <div class="muted">{r.title}</div>
                </td>
                <td>{r.severity}</td>
                <td>{r.specRef}</td>
                <td class="wrap">{sideText(r.a)}</td>
                <td class="wrap">{sideText(r.b)}</td>
              </tr>
            ))}
          </Table>
        </div>
      )}
      <p>
        <a href={BASE}>Back to Conformance</a>
      </p>
    </section>
  );
}

function comparePage(c: UiContext, deps: UiDeps, cmp: ReportComparison) {
  return renderPage(
    c,
    deps,
    { title: 'Compare conformance runs', active: 'conformance' },
    <div class="grid">
      <ComparisonView cmp={cmp} />
    </div>,
  );
}

/** A stored run's report, or a FormError naming what is missing. */
function storedReport(state: UiState, id: string | undefined, side: string): ConformanceReport {
  const run = id ? state.runs.get(id) : undefined;
  if (!run) throw new FormError(`run ${side}: no such run (runs are kept in memory, the last 10)`);
  if (!run.report) throw new FormError(`run ${side}: ${run.id} has no report (${run.state})`);
  return run.report;
}

/** An uploaded JSON report, checked field by field. */
async function uploadedReport(value: unknown, side: string): Promise<[ConformanceReport, string]> {
  if (!(value instanceof File)) throw new FormError(`report ${side}: choose a JSON report file`);
  try {
    return [parseConformanceReport(await value.text()), value.name || side.toUpperCase()];
  } catch (e) {
    if (e instanceof ReportFormatError) throw new FormError(`report ${side}: ${e.message}`);
    throw e;
  }
}

function refuse(c: UiContext, e: unknown): Response {
  if (!(e instanceof FormError)) throw e;
  c.get('session').flash = { kind: 'error', text: e.message };
  return c.redirect(BASE, 303);
}

/** GET: two stored runs; POST: two uploaded JSON reports. Both render the comparison. */
export function registerConformanceComparePage(
  app: Hono<UiEnv>,
  deps: UiDeps,
  state: UiState,
): void {
  app.get(CONFORMANCE_COMPARE, async (c) => {
    const a = c.req.query('a');
    const b = c.req.query('b');
    try {
      const cmp = compareReports(storedReport(state, a, 'A'), storedReport(state, b, 'B'), {
        a: `run ${a}`,
        b: `run ${b}`,
      });
      return comparePage(c, deps, cmp);
    } catch (e) {
      return refuse(c, e);
    }
  });

  app.post(CONFORMANCE_COMPARE, async (c) => {
    const body = await c.req.parseBody();
    try {
      const [a, nameA] = await uploadedReport(body.a, 'A');
      const [b, nameB] = await uploadedReport(body.b, 'B');
      return comparePage(c, deps, compareReports(a, b, { a: nameA, b: nameB }));
    } catch (e) {
      return refuse(c, e);
    }
  });
}
