import {
  CHANGE_LABELS,
  type CheckSide,
  type ComparedRun,
  comparisonSummary,
  type ReportComparison,
} from './compare.ts';
import { statusText } from './report-text.ts';

function pad(text: string, n: number): string {
  return text.length >= n ? text : text + ' '.repeat(n - text.length);
}

function cut(text: string, n: number): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, Math.max(0, n - 3))}...` : one;
}

/** A side as a table cell: `FAIL HTTP 400 ValidationException: ...`, `-` when absent. */
export function sideText(s: CheckSide | undefined): string {
  return s ? `${statusText(s.status)} ${s.shown}` : '-';
}

function runLine(name: string, r: ComparedRun): string {
  return `${name}: ${r.label}  ${r.url}  started ${r.startedAt}  ${r.verdict} (exit ${r.exitStatus}), ${r.checks} checks`;
}

/**
 * The comparison for a terminal: the two runs, then one line per differing check with A and B
 * side by side (cut to `width`), then the summary line.
 */
export function formatComparisonText(cmp: ReportComparison, options: { width?: number } = {}) {
  const width = Math.max(80, options.width ?? 160);
  const lines = [runLine('A', cmp.a), runLine('B', cmp.b), ''];
  if (cmp.rows.length > 0) {
    const idWidth = Math.max(5, ...cmp.rows.map((r) => r.id.length));
    const changeWidth = 14;
    const fixed = changeWidth + 2 + 6 + 2 + idWidth + 2;
    const cell = Math.max(20, Math.floor((width - fixed - 2) / 2));
    lines.push(
      `${pad('CHANGE', changeWidth)}  ${pad('SEV', 6)}  ${pad('CHECK', idWidth)}  ${pad('A', cell)}  B`,
    );
    for (const r of cmp.rows) {
      lines.push(
        `${pad(CHANGE_LABELS[r.change], changeWidth)}  ${pad(r.severity, 6)}  ${pad(r.id, idWidth)}  ${pad(cut(sideText(r.a), cell), cell)}  ${cut(sideText(r.b), cell)}`.trimEnd(),
      );
    }
    lines.push('');
  }
  lines.push(comparisonSummary(cmp));
  return `${lines.join('\n')}\n`;
}
