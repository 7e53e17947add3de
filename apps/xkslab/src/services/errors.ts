import type { AdminErrorBody } from '@xkslab/protocol';
import { isVcmError, type VcmErrorCode } from '@xkslab/vcm';
import { HTTPException } from 'hono/http-exception';
import { KeyStoreError, type KeyStoreErrorCode } from '../keystores/registry.ts';

/** An admin API error on its way to the wire: a status, a stable code and a safe message. */
export class AdminError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AdminError';
    this.status = status;
    this.code = code;
  }
}

export function notFound(code: string, message: string): AdminError {
  return new AdminError(404, code, message);
}

export function conflict(code: string, message: string): AdminError {
  return new AdminError(409, code, message);
}

export function badRequest(code: string, message: string): AdminError {
  return new AdminError(400, code, message);
}

/** Module errors in the admin API: the code passes through, the status is decided here. */
const VCM_STATUS: Record<VcmErrorCode, number> = {
  MODULE_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  MODULE_EXISTS: 409,
  KEY_EXISTS: 409,
  MODULE_IN_USE: 409,
  MODULE_DISCONNECTED: 409,
  MODULE_IN_MAINTENANCE: 409,
  KEY_DISABLED: 409,
  KEY_BLOCKED: 409,
  KEY_NOT_EXPORTABLE: 409,
  INVALID_KEY_STATE: 409,
  INVALID_KEY_USAGE: 409,
  INVALID_CIPHERTEXT: 400,
  INVALID_INPUT: 400,
  STORE_UNAVAILABLE: 503,
  STORE_LOCKED: 503,
  WRONG_MASTER_KEY: 500,
  CORRUPT_RECORD: 500,
  HSM_ERROR: 502,
  NOT_SUPPORTED: 400,
};

const KEY_STORE_STATUS: Record<KeyStoreErrorCode, number> = {
  KEYSTORE_EXISTS: 409,
  PREFIX_IN_USE: 409,
  ACCESS_KEY_IN_USE: 409,
  KEYSTORE_NOT_FOUND: 404,
  CREDENTIAL_NOT_FOUND: 404,
};

/** Turns anything thrown while serving an admin request into an AdminError: the one mapping. */
export function toAdminError(e: unknown): AdminError {
  if (e instanceof AdminError) return e;
  if (isVcmError(e)) {
    const status = VCM_STATUS[e.code];
    // Internal failures keep their detail for the log, never for the client. A PKCS#11 failure
    // is the admin's to fix (library, token, PIN source): its message names the CKR_* code and
    // the config, never a PIN, and is shown.
    return status >= 500 && e.code !== 'HSM_ERROR'
      ? new AdminError(status, e.code, 'the key store failed; see the server log', { cause: e })
      : new AdminError(status, e.code, e.message, { cause: e });
  }
  if (e instanceof KeyStoreError)
    return new AdminError(KEY_STORE_STATUS[e.code], e.code, e.message);
  if (e instanceof HTTPException) {
    if (e.status === 415) {
      return new AdminError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'send JSON with Content-Type: application/json',
      );
    }
    if (e.status === 400)
      return new AdminError(400, 'MALFORMED_JSON', 'the request body is not valid JSON');
    return new AdminError(e.status, 'BAD_REQUEST', e.message);
  }
  return new AdminError(500, 'INTERNAL', 'internal error; see the server log', { cause: e });
}

export function errorBody(e: AdminError): AdminErrorBody {
  return { error: { code: e.code, message: e.message } };
}

/** The zod issue list as one line: `field: message` of the first issue (never zod's own shape). */
export function validationMessage(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  where: string,
): string {
  const issue = issues[0];
  if (!issue) return `invalid ${where}`;
  const path = issue.path.map(String).join('.');
  return `${path || where}: ${issue.message}`;
}
