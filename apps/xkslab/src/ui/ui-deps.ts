import type { ConformanceOptions, ConformanceReport, RunHooks } from '@xkslab/conformance';
import type { KmsCallRecord, KmsStateView } from '@xkslab/kms-emulator';
import type { Context } from 'hono';
import type { XksMetrics } from '../metrics/xks-metrics.ts';
import type { AdminDeps } from '../services/deps.ts';
import type { AuditView } from './audit-view.ts';
import type { ConformanceRuns } from './conformance-runs.ts';
import type { Session, SessionStore } from './session.ts';

/** Reads the audit log the server writes (audit/audit-log.ts `AuditLog` is one). */
export type AuditReader = {
  readonly file: string;
  /** Resolves once every entry appended so far is in the file. */
  flush(): Promise<void>;
};

/** The KMS emulator running beside the proxy (`serve --kms-port`), read-only. */
export type KmsBeside = {
  readonly url: string;
  view(): KmsStateView;
  /** Its newest KMS calls, newest first. */
  recentCalls(): readonly KmsCallRecord[];
};

/** Where the KMS page finds the emulator beside the proxy. */
export type KmsSource = {
  /** The emulator once it listens; undefined when serve runs without --kms-port. */
  beside(): KmsBeside | undefined;
  /** The command that starts this server with the emulator beside it. */
  startCommand: string;
};

/** Everything the dashboard needs: the admin API's dependencies, plus what only it shows. */
export type UiDeps = AdminDeps & {
  metrics: XksMetrics;
  /** The audit log file to search and verify; absent: the Audit page says so. */
  auditLog?: AuditReader | undefined;
  /** Base URL of the XKS listener as a local client reaches it (`http://127.0.0.1:PORT`). */
  xksUrl: string;
  /** The conformance runner (injected so tests can replace it). */
  runConformance: (options: ConformanceOptions, hooks?: RunHooks) => Promise<ConformanceReport>;
  /** The KMS emulator beside the proxy; absent: the KMS page says this server cannot have one. */
  kms?: KmsSource | undefined;
};

/** What the dashboard's middleware adds to every request after login. */
export type UiEnv = { Variables: { session: Session } };
export type UiContext = Context<UiEnv>;

/** The dashboard's state kept in memory: logins and conformance runs. */
export type UiState = {
  sessions: SessionStore;
  runs: ConformanceRuns;
  /** Absent when the server keeps no audit log. */
  audit: AuditView | undefined;
};

export const UI_BASE = '/ui';
