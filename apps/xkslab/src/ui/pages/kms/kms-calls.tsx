import type { KmsCallRecord } from '@xkslab/kms-emulator';
import type { AuditEntry } from '../../../audit/audit-entry.ts';
import { LongValue, Table, when } from '../../layout.tsx';

/**
 * The XKS calls the proxy's audit log recorded for each of `calls`, matched by the kmsRequestId
 * the emulator sends in requestMetadata (a KMS call's request id), oldest first.
 */
export function xksCallsByRequest(
  calls: readonly KmsCallRecord[],
  entries: readonly AuditEntry[],
): Map<string, AuditEntry[]> {
  const byId = new Map<string, AuditEntry[]>(calls.map((c) => [c.requestId, []]));
  for (const e of entries) {
    if (e.kmsRequestId !== undefined) byId.get(e.kmsRequestId)?.push(e);
  }
  return byId;
}

/** A key ARN of the emulator's account shown as its key id; anything else as it is. */
function keyOf(value: string): string {
  return /^arn:[^:]+:kms:[^:]*:\d+:key\/(.+)$/.exec(value)?.[1] ?? value;
}

function Outcome(props: { result: string; testId?: string }) {
  return (
    <span data-testid={props.testId} class={`badge ${props.result === 'ok' ? 'ok' : 'bad'}`}>
      {props.result}
    </span>
  );
}

/** The XKS calls beside one KMS call: operation, result, key store and key, ms. */
function XksCalls(props: { entries: readonly AuditEntry[] | undefined }) {
  const entries = props.entries ?? [];
  if (entries.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="plain-list">
      {entries.map((e) => (
        <li data-testid="xks-call">
          {e.operation} <Outcome result={e.result} />{' '}
          <span class="muted">
            {[e.keyStore, e.keyId].filter((v) => v !== undefined).join(' / ')}
            {e.durationMs === undefined ? '' : ` ${e.durationMs} ms`}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The newest KMS calls, newest first, each with what it was about and how it ended. */
export function KmsCallTable(props: {
  calls: readonly KmsCallRecord[];
  xks: ReadonlyMap<string, AuditEntry[]> | undefined;
}) {
  return (
    <Table head={['Time', 'Operation', 'Key or key store', 'Outcome', 'ms', 'XKS calls (proxy)']}>
      {props.calls.map((c) => (
        <tr data-testid={`kms-call-${c.requestId}`} class={c.outcome === 'ok' ? undefined : 'fail'}>
          <td class="time">
            <time datetime={c.time}>{when(c.time)}</time>
          </td>
          <td>
            {c.operation}
            <div class="muted">
              <LongValue value={c.requestId} />
            </div>
          </td>
          <td>
            {c.keyId === undefined ? null : <LongValue value={keyOf(c.keyId)} code />}
            {c.customKeyStoreId === undefined ? null : (
              <div>
                <LongValue value={c.customKeyStoreId} code />
              </div>
            )}
            {c.keyId === undefined && c.customKeyStoreId === undefined ? '-' : null}
          </td>
          <td>
            <Outcome result={c.outcome} testId="kms-outcome" />
            {c.errorMessage === undefined ? null : <div class="muted">{c.errorMessage}</div>}
          </td>
          <td class="num">{c.durationMs}</td>
          <td>
            {props.xks ? (
              <XksCalls entries={props.xks.get(c.requestId)} />
            ) : (
              <span class="muted">no audit log</span>
            )}
          </td>
        </tr>
      ))}
    </Table>
  );
}
