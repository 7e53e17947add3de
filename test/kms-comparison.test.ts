/**
 * The comparison of the KMS emulator with local-kms, LocalStack and moto (docs/kms-emulator.md,
 * and its summary in the README): one row per operation of the KMS service model, none missing
 * from botocore's model, and an xkslab column that says what the emulator really serves. The
 * other tools' columns come from reading their sources (commits named in the doc); the README's
 * counts must be those of the full table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTION_NAMES, KMS_MODEL_OPERATIONS } from '@xkslab/kms-emulator';
import { describe, expect, it } from 'vitest';
import { loadBotocoreKmsModel } from './support/kms-model.ts';

const ROOT = join(import.meta.dirname, '..');
const DOC = join(ROOT, 'docs', 'kms-emulator.md');
const README = join(ROOT, 'README.md');
const BEGIN = '<!-- comparison:begin -->';
const END = '<!-- comparison:end -->';
const TOOLS = ['xkslab', 'local-kms', 'LocalStack', 'moto'] as const;
const COUNT_ROW = 'KMS operations served';

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

/** The rows of the Markdown table between the comparison markers, by the header's names. */
function comparisonRows(): Record<string, string>[] {
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  expect(start, `${BEGIN} in docs/kms-emulator.md`).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const lines = text
    .slice(start + BEGIN.length, end)
    .split('\n')
    .filter((l) => l.trim().startsWith('|'));
  const [header = '', separator = '', ...body] = lines;
  expect(cells(separator).every((c) => /^:?-+:?$/.test(c))).toBe(true);
  const names = cells(header);
  expect(names.slice(0, 5)).toEqual(['operation', ...TOOLS]);
  return body.map((line) => {
    const values = cells(line);
    expect(values, line).toHaveLength(names.length);
    return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
  });
}

function operationOf(row: Record<string, string>): string {
  return (row.operation ?? '').replace(/^`(.*)`$/, '$1');
}

describe('the comparison with local-kms, LocalStack and moto', () => {
  it('has one row per operation of the service model, none of botocore’s missing', () => {
    const operations = comparisonRows().map(operationOf);
    expect(operations).toEqual([...KMS_MODEL_OPERATIONS]);
    for (const op of Object.keys(loadBotocoreKmsModel().operations)) {
      expect(operations, op).toContain(op);
    }
  });

  it('says in the xkslab column exactly what the emulator serves', () => {
    const rows = comparisonRows();
    const claimed = rows.filter((r) => r.xkslab === 'yes').map(operationOf);
    const served = KMS_MODEL_OPERATIONS.filter((op) => ACTION_NAMES.includes(op));
    expect(claimed).toEqual(served);
    for (const row of rows) {
      for (const tool of TOOLS)
        expect(['yes', 'no'], `${operationOf(row)} ${tool}`).toContain(row[tool]);
    }
  });

  it('gives in the README the counts of the full table', () => {
    const rows = comparisonRows();
    const line = readFileSync(README, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`| ${COUNT_ROW}`));
    expect(line, `a "${COUNT_ROW}" row in the README`).toBeDefined();
    const counts = cells(line ?? '').slice(1);
    const expected = TOOLS.map(
      (tool) => `${rows.filter((r) => r[tool] === 'yes').length} of ${rows.length}`,
    );
    expect(counts).toEqual(expected);
  });
});
