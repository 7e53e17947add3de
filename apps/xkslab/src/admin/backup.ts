import { createRoute, z } from '@hono/zod-openapi';
import { ADMIN_BASE, type AdminApp, type AdminDeps } from './deps.ts';
import { AdminError } from './errors.ts';
import { ERROR_RESPONSES, SECURITY } from './openapi.ts';

export const BACKUP_PATH = `${ADMIN_BASE}/backup`;
export const BACKUP_MEDIA_TYPE = 'application/vnd.xkslab.backup';

/** The file name a downloaded backup gets: `xkslab-backup-<UTC time>.backup` (no colons). */
export function backupFileName(at: Date): string {
  return `xkslab-backup-${at
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d{3}Z$/, 'Z')}.backup`;
}

/**
 * Makes a backup file and records `admin:Backup` (a read, so no change middleware sees it);
 * `via` ends the audit entry's detail. Shared by the admin API route and the dashboard.
 */
export async function takeBackup(
  deps: AdminDeps,
  via: string,
): Promise<{ bytes: Uint8Array; records: number }> {
  if (!deps.backup) {
    throw new AdminError(404, 'NOT_AVAILABLE', 'this server cannot make backups');
  }
  const started = performance.now();
  const made = await deps.backup();
  deps.audit?.append({
    operation: 'admin:Backup',
    result: 'ok',
    principal: 'admin',
    durationMs: performance.now() - started,
    detail: `${made.records} records ${via}`,
  });
  return made;
}

/**
 * `GET /admin/v1/backup`: the whole database as an xkslab backup file (encrypted and
 * integrity-protected under a key derived from the master key; see backup/backup-format.ts).
 * `xkslab backup` calls it while the server holds the database lock. Being a read, it is not
 * seen by the change middleware, so it records its own audit entry.
 */
export function registerBackupRoutes(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: BACKUP_PATH,
      summary: 'Download an encrypted backup of the whole database',
      description:
        'Modules, keys with every version, key stores, credentials and policies, as stored ' +
        '(already wrapped or sealed under the master key), encrypted with AES-256-GCM under a ' +
        'key derived from the master key. Restore with `xkslab restore FILE --data-dir NEW`.',
      tags: ['backup'],
      security: SECURITY,
      responses: {
        200: {
          description: 'The backup file',
          content: { [BACKUP_MEDIA_TYPE]: { schema: z.string().openapi({ format: 'binary' }) } },
        },
        ...ERROR_RESPONSES,
      },
    }),
    async (c) => {
      const made = await takeBackup(deps, 'through the admin API');
      return c.body(made.bytes as Uint8Array<ArrayBuffer>, 200, {
        'content-type': BACKUP_MEDIA_TYPE,
        'content-disposition': 'attachment; filename="xkslab.backup"',
        'cache-control': 'no-store',
      });
    },
  );
}
