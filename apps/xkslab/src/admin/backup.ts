import { createRoute, z } from '@hono/zod-openapi';
import { BACKUP_MEDIA_TYPE, BACKUP_PATH, takeBackup } from '../services/backup.ts';
import type { AdminDeps } from '../services/deps.ts';
import { type AdminApp, ERROR_RESPONSES, SECURITY } from './openapi.ts';

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
