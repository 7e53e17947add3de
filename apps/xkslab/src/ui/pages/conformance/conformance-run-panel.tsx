import type { ConformanceRun } from '../../conformance-runs.ts';
import { Badge, jsonDataUrl, LongValue, Table, URL_CHARS, when } from '../../layout.tsx';
import { seg } from '../../page-kit.tsx';
import { UI_BASE } from '../../ui-deps.ts';

type ConformanceReport = NonNullable<ConformanceRun['report']>;

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

/** How far a running run is: checks done, the current one, the load phase. */
function RunProgress(props: { run: ConformanceRun }) {
  const { run } = props;
  return (
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
  );
}

/** A finished run's verdict, its JSON download and every check, failures first. */
function RunReport(props: { id: string; report: ConformanceReport }) {
  const { id, report } = props;
  return (
    <>
      <p data-testid="conformance-summary">
        {report.summary.verdict === 'CONFORMS' ? (
          <Badge tone="ok">CONFORMS: no MUST check failed</Badge>
        ) : report.summary.verdict === 'INCOMPLETE' ? (
          <Badge tone="warn">{`INCOMPLETE: no MUST check failed, ${report.summary.mustSkipped} skipped`}</Badge>
        ) : (
          <Badge tone="bad">{`${report.summary.mustFailed} MUST check(s) failed`}</Badge>
        )}{' '}
        {`${report.summary.passed} passed, ${report.summary.failed} failed, ${report.summary.skipped} skipped in ${(report.summary.durationMs / 1000).toFixed(1)} s`}
      </p>
      <p>
        <a
          class="button plain"
          href={`${UI_BASE}/conformance/runs/${seg(id)}/report.html`}
          download={`conformance-${id}.html`}
          data-testid="download-html"
        >
          Download the HTML report
        </a>{' '}
        <a
          class="button plain"
          href={jsonDataUrl(report)}
          download={`conformance-${id}.json`}
          data-testid="download-json"
        >
          Download the JSON report
        </a>
      </p>
      <Table head={['Result', 'Check', 'Spec', 'Severity', 'Message']}>
        {[...report.checks]
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
      {report.load ? (
        <p>{`Load: ${report.load.achievedRps} req/s achieved, p50 ${report.load.latencyMs.p50} ms, p99 ${report.load.latencyMs.p99} ms, ${report.load.errorCount} errors, ${report.load.overDeadline} over 250 ms`}</p>
      ) : null}
    </>
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
      {running ? <RunProgress run={run} /> : null}
      {run.state === 'failed' ? (
        <p class="flash error" role="alert">
          {`The run could not start: ${run.error ?? 'unknown error'}`}
        </p>
      ) : null}
      {run.report ? <RunReport id={run.id} report={run.report} /> : null}
    </section>
  );
}

function rank(status: string): number {
  return status === 'fail' ? 0 : status === 'skip' ? 1 : status === 'pass' ? 2 : 3;
}
