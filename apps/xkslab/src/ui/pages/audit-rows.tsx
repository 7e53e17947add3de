import type { AuditEntry } from '../../audit/audit-entry.ts';
import { Badge, Breakable, LongValue, Table, when } from '../layout.tsx';

/** Most characters of a principal shown: an ARN's account and the end of its role name. */
const PRINCIPAL_CHARS = 44;

/** An audit field that can be long (a principal ARN, a request id, a key id), or `-`. */
function Field(props: { value: string | undefined; max?: number }) {
  if (props.value === undefined) return '-';
  return props.max === undefined ? (
    <LongValue value={props.value} />
  ) : (
    <LongValue value={props.value} max={props.max} />
  );
}

/**
 * The rows of audit entries (audit page, key page): the time first and on one line, the long
 * fields shortened, each whole one click away.
 */
export function AuditRows(props: { entries: readonly AuditEntry[] }) {
  return (
    <Table
      head={['Time', 'Operation', 'Result', 'Key store', 'Key', 'ms', 'Principal, request id']}
    >
      {props.entries.map((e) => (
        <tr>
          <td class="time">{when(e.time)}</td>
          <td>
            <Breakable text={e.operation} />
          </td>
          <td>
            {e.result === 'ok' ? <Badge tone="ok">ok</Badge> : <Badge tone="bad">{e.result}</Badge>}
          </td>
          <td>
            <Field value={e.keyStore} />
          </td>
          <td>
            <Field value={e.keyId} />
          </td>
          <td class="num">{e.durationMs ?? '-'}</td>
          <td>
            <Field value={e.principal} max={PRINCIPAL_CHARS} />
            {e.kmsRequestId === undefined ? null : (
              <div class="muted">
                <LongValue value={e.kmsRequestId} />
              </div>
            )}
          </td>
        </tr>
      ))}
    </Table>
  );
}
