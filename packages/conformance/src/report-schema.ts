import { z } from 'zod';
import type { ConformanceReport } from './types.ts';

const Headers = z.record(z.string(), z.string());

const CheckResultSchema = z.object({
  id: z.string().min(1).max(200),
  title: z.string().max(1000),
  specRef: z.string().max(100),
  severity: z.enum(['MUST', 'SHOULD']),
  status: z.enum(['pass', 'fail', 'skip', 'na']),
  message: z.string(),
  sent: z
    .object({ method: z.string(), path: z.string(), headers: Headers, body: z.string() })
    .optional(),
  received: z
    .union([
      z.object({ status: z.number().int(), headers: Headers, body: z.string() }),
      z.object({ error: z.string() }),
    ])
    .optional(),
  durationMs: z.number().nonnegative(),
});

const Count = z.number().int().nonnegative();

/**
 * What `xkslab conformance --json` writes, without its load section (not compared); unknown
 * fields are dropped (newer runners add some).
 */
const ConformanceReportSchema = z.object({
  tool: z.string(),
  target: z.object({ url: z.string(), region: z.string(), keyId: z.string() }),
  startedAt: z.string(),
  checks: z.array(CheckResultSchema).max(10_000),
  summary: z.object({
    total: Count,
    passed: Count,
    failed: Count,
    skipped: Count,
    notApplicable: Count,
    mustFailed: Count,
    shouldFailed: Count,
    mustSkipped: Count,
    durationMs: z.number().nonnegative(),
    ok: z.boolean(),
    verdict: z.enum(['CONFORMS', 'DOES NOT CONFORM', 'INCOMPLETE']),
    exitStatus: z.number().int(),
  }),
});

/** The text is not a report `xkslab conformance --json` wrote. */
export class ReportFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportFormatError';
  }
}

/**
 * A JSON report read back (a file, an upload), checked field by field before anything uses it:
 * a ReportFormatError says what is wrong.
 */
export function parseConformanceReport(text: string): ConformanceReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ReportFormatError(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const parsed = ConformanceReportSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the top level';
    throw new ReportFormatError(
      `not a conformance report: ${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  // The schema is the report's type field for field (load left out); exactOptionalPropertyTypes
  // only differs in spelling absent fields as `?: T | undefined`.
  return parsed.data as ConformanceReport;
}
