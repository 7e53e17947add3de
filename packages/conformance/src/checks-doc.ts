import type { CheckDefinition, CheckNeed } from './check.ts';
import { whyOf } from './why.ts';

/** The markers around the generated part of docs/conformance.md. */
export const CHECKS_DOC_BEGIN =
  '<!-- checks:begin: generated from the check registry by `pnpm docs:conformance`; do not edit -->';
export const CHECKS_DOC_END = '<!-- checks:end -->';

/** Text fit for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

/** What a run must give for a check to run (SKIP without an input, N/A without the others). */
const NEED_TEXT: Record<CheckNeed, string> = {
  encryptOnlyKeyId: '--encrypt-only-key-id',
  decryptOnlyKeyId: '--decrypt-only-key-id',
  noUsageKeyId: '--no-usage-key-id',
  disabledKeyId: '--disabled-key-id',
  secondCredential: '--second-credential',
  https: 'an https:// URL',
  clientCertificate: '--cert and --key',
  load: '--load-rps',
};

/** What the catalogue shows of a check. */
export type DocumentedCheck = Pick<
  CheckDefinition,
  'id' | 'title' | 'specRef' | 'severity' | 'needs'
> & {
  why?: string | undefined;
};

function needsText(check: DocumentedCheck): string {
  return (check.needs ?? []).map((n) => NEED_TEXT[n]).join(', ');
}

/**
 * The catalogue of checks as Markdown: one table per group (the id's first part), in the order
 * the runner runs them: id, severity, spec section, what is checked, what it needs, why it matters.
 */
export function formatChecksDoc(checks: readonly DocumentedCheck[]): string {
  const groups = new Map<string, DocumentedCheck[]>();
  for (const c of checks) {
    const group = c.id.split('.')[0] ?? c.id;
    groups.set(group, [...(groups.get(group) ?? []), c]);
  }
  const must = checks.filter((c) => c.severity === 'MUST').length;
  const parts = [
    `${checks.length} checks (${must} MUST, ${checks.length - must} SHOULD) in ${groups.size} groups.`,
  ];
  for (const [group, list] of groups) {
    const rows = list.map(
      (c) =>
        `| \`${cell(c.id)}\` | ${c.severity} | ${cell(c.specRef)} | ${cell(c.title)} | ${cell(needsText(c))} | ${cell(whyOf(c))} |`,
    );
    parts.push(
      [
        `### ${group}`,
        '',
        '| Check | Severity | Spec | What it checks | Needs | Why it matters |',
        '| --- | --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n'),
    );
  }
  return parts.join('\n\n');
}

/** `doc` with the text between the markers replaced by `generated`; throws without markers. */
export function spliceChecksDoc(doc: string, generated: string): string {
  const begin = doc.indexOf(CHECKS_DOC_BEGIN);
  const end = doc.indexOf(CHECKS_DOC_END);
  if (begin === -1 || end === -1 || end < begin) {
    throw new Error(`the document lacks the markers ${CHECKS_DOC_BEGIN} ... ${CHECKS_DOC_END}`);
  }
  return `${doc.slice(0, begin + CHECKS_DOC_BEGIN.length)}\n\n${generated}\n\n${doc.slice(end)}`;
}
