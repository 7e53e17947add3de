import { timingSafeEqual } from 'node:crypto';

/** A message shown once on the next page: the outcome of the last action. */
export type Flash = { kind: 'ok' | 'error'; text: string };

/** A dashboard login. Lives in server memory only: a restart logs everybody out. */
export type Session = {
  id: string;
  /** The per-session CSRF token every form carries (hidden `_csrf` field). */
  csrf: string;
  createdAtMs: number;
  lastSeenMs: number;
  flash?: Flash | undefined;
};

export const SESSION_COOKIE = 'xkslab_session';
/** The pre-login CSRF token of the login form (double submit: cookie and hidden field). */
export const LOGIN_COOKIE = 'xkslab_login';
export const CSRF_FIELD = '_csrf';

/** A session ends after this long without a request... */
export const SESSION_IDLE_MS = 60 * 60 * 1000;
/** ...and at the latest this long after login. */
export const SESSION_MAX_MS = 12 * 60 * 60 * 1000;
/** The oldest sessions are dropped past this many (each login makes one). */
export const MAX_SESSIONS = 200;
const ID_BYTES = 32;

export type SessionStoreDeps = {
  /** Milliseconds since the epoch. */
  now: () => number;
  random: (n: number) => Uint8Array;
  idleMs?: number;
  maxMs?: number;
  maxSessions?: number;
};

/** 256 random bits as base64url: a session id or a CSRF token. */
export function randomToken(random: (n: number) => Uint8Array): string {
  return Buffer.from(random(ID_BYTES)).toString('base64url');
}

/** Compares two tokens in constant time (lengths may differ: then they simply do not match). */
export function tokensMatch(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a.length === 0) return false;
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The server-side session map: random ids (256 bits) in an HttpOnly cookie point at a session
 * here; nothing about the session lives in the browser. Sessions expire after an idle period and
 * after a maximum age, and the oldest are dropped when there are too many.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #deps: Required<SessionStoreDeps>;

  constructor(deps: SessionStoreDeps) {
    this.#deps = {
      idleMs: SESSION_IDLE_MS,
      maxMs: SESSION_MAX_MS,
      maxSessions: MAX_SESSIONS,
      ...deps,
    };
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** A new session (after a successful login). */
  create(): Session {
    const now = this.#deps.now();
    this.#sweep(now);
    while (this.#sessions.size >= this.#deps.maxSessions) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    const session: Session = {
      id: randomToken(this.#deps.random),
      csrf: randomToken(this.#deps.random),
      createdAtMs: now,
      lastSeenMs: now,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id (and marks it used), or undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const now = this.#deps.now();
    if (this.#expired(session, now)) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeenMs = now;
    return session;
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ends every session (e.g. when the admin token changes). */
  clear(): void {
    this.#sessions.clear();
  }

  #expired(session: Session, now: number): boolean {
    return (
      now - session.lastSeenMs > this.#deps.idleMs || now - session.createdAtMs > this.#deps.maxMs
    );
  }

  #sweep(now: number): void {
    for (const [id, session] of this.#sessions) {
      if (this.#expired(session, now)) this.#sessions.delete(id);
    }
  }
}
