import { ADMIN_BASE, type AdminDeps } from './deps.ts';
import { AdminError } from './errors.ts';

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
  await deps.audit?.append({
    operation: 'admin:Backup',
    result: 'ok',
    principal: 'admin',
    durationMs: performance.now() - started,
    detail: `${made.records} records ${via}`,
  });
  return made;
}
