import type { Context } from 'hono';
import type { ActiveKeyStore } from '../../keystores/registry.ts';
import type { XksError } from '../errors.ts';
import type { RawRequest } from '../raw-request.ts';
import type { XksCrypto, XksDeps, XksOperation, XksRoute } from '../route.ts';

/** Log fields of one XKS call: never plaintext, key material, AAD, ciphertext or signatures. */
export type CallLog = {
  operation?: XksOperation;
  keyStore?: string;
  keyId?: string;
  kmsRequestId?: string;
  kmsOperation?: string;
  accessKeyId?: string;
  /** requestMetadata.awsPrincipalArn (absent for health): the audit log's principal. */
  awsPrincipalArn?: string;
  authFailure?: string;
  /** The policy and rule that denied a call (secondary authorization). */
  policyScope?: string;
  policyRule?: string;
  /** The client closed the connection before its body ended. */
  clientAborted?: true;
};

/** A request before its key store and operation are known: what `resolve` starts from. */
export type XksIncoming = {
  readonly deps: XksDeps;
  readonly http: Context;
  readonly raw: RawRequest;
  /** The raw target without its query. */
  readonly path: string;
  readonly log: CallLog;
};

/**
 * One XKS request on its way through the stages. `resolve` creates it; each later field is
 * filled by the stage named beside it, before any stage that reads it runs.
 */
export type XksContext = XksIncoming & {
  readonly route: XksRoute;
  readonly keyStore: ActiveKeyStore;
  /** '' for health. */
  readonly keyId: string;
  /** What the route computes with (the spec's constructions unless a wrapper swapped parts). */
  crypto: XksCrypto;
  /** body: the request body as it arrived (SigV4 is verified over these bytes). */
  body: Uint8Array;
  /** sigv4: the proxy time the signature was checked against (also the quota's time). */
  now: Date;
  /** validate: the parsed JSON, before and after the route's schema. */
  json: unknown;
  request: unknown;
};

/**
 * What the stages after validation (quota, authorize, run) read: no HTTP request, so a process
 * that owns the module can run them for a call another process received (cluster/).
 */
export type XksCallContext = Pick<
  XksContext,
  'deps' | 'route' | 'keyStore' | 'keyId' | 'crypto' | 'now' | 'request' | 'log'
>;

/** A stage that may answer early (405, a dropped connection); undefined: go on. */
export type EarlyAnswer = Response | undefined;

/**
 * The stages of the XKS request path, in the order the handler runs them. Each refuses by
 * throwing an XksError. Fault injection (faults/) builds a second set from this one by wrapping
 * stages; the handler picks one of the two sets per request.
 */
export type XksStages = {
  /**
   * Path to key store and operation (InvalidUriPathException). A promise only where resolving
   * waits for another process (a worker asking the primary for a request's faults): the spec's
   * stages resolve at once.
   */
  resolve(incoming: XksIncoming): XksContext | Promise<XksContext>;
  /** Only POST (405 with Allow: POST). */
  method(ctx: XksContext): EarlyAnswer;
  /** The body, capped before it is buffered (UnsupportedOperationException). */
  body(ctx: XksContext): Promise<void>;
  /** SigV4 against the key store's live credentials (AuthenticationFailedException). */
  sigv4(ctx: XksContext): void;
  /** The key store's request quota (ThrottlingException). */
  quota(ctx: XksContext): void;
  /** Content-Type, key id, JSON and the route's schema (ValidationException). */
  validate(ctx: XksContext): void;
  /** Kill switch and secondary-authorization policies (InvalidStateException, AccessDenied). */
  authorize(ctx: XksContext): void;
  /** The operation, under the module deadline (DependencyTimeoutException). */
  run(ctx: XksContext): Promise<object>;
  /** The 200 answer of a result. */
  answer(ctx: XksContext, result: object): Response | Promise<Response>;
  /** The error answer; `ctx` is undefined when the path did not resolve. */
  refuse(
    http: Context,
    ctx: XksContext | undefined,
    error: XksError,
    wire: { status: number; body: string },
  ): Response | Promise<Response>;
};
