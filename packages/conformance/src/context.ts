import { DecryptResponse, EncryptResponse, XKS_SIGV4_SERVICE } from '@xkslab/protocol';
import { type Credentials, type SigningKeyCache, signRequest } from '@xkslab/sigv4';
import { type Body, decryptBody, type EncryptInput, encryptBody, type Sealed } from './bodies.ts';
import { expectOk, type Reply } from './expect.ts';
import { type Endpoint, headerText, send, type WireRequest } from './http-client.ts';
import { summarizeRequest, summarizeResponse } from './redact.ts';
import { bodyBytes, signXksRequest } from './sign.ts';
import type { StallMonitor } from './stall-monitor.ts';
import type {
  ConformanceOptions,
  LoadResult,
  ProgressEvent,
  ReceivedSummary,
  SentSummary,
} from './types.ts';

/** One request/response of the run, kept for the checks that judge every response (format.*). */
export type Exchange = {
  checkId: string;
  method: string;
  path: string;
  status: number;
  contentType: string | undefined;
  text: string;
  /** From the connection being ready to the last byte of the answer (WireResponse.answerMs). */
  durationMs: number;
  /** How long the runner itself was stalled meanwhile (StallMonitor): not the proxy's time. */
  runnerStallMs: number;
  /** False for requests KMS never sends (2 MiB bodies...): latency.every-answer leaves them out. */
  timed: boolean;
};

/** The run-wide state every check shares. */
export type RunState = {
  options: ConformanceOptions;
  endpoint: Endpoint;
  exchanges: Exchange[];
  clock: () => Date;
  timeoutMs: number;
  signingCache: SigningKeyCache;
  onProgress: ((event: ProgressEvent) => void) | undefined;
  /** Aborts the request in flight when the run is interrupted. */
  signal?: AbortSignal | undefined;
  /** The runner's own stalls, discounted from answer times (latency.every-answer). */
  stalls: StallMonitor;
  /** The load run, started by the first load.* check that needs it. */
  load: Promise<LoadResult> | undefined;
};

/** How to sign one request; the defaults sign like KMS with the main credential. */
export type SignSpec = {
  credential?: Credentials;
  region?: string;
  service?: string;
  /** Signing time (X-Amz-Date); default: the runner's clock. */
  now?: Date;
  /** 'kms' signs host;x-amz-date, 'curl' content-type;host;x-amz-date (§2.1). */
  style?: 'kms' | 'curl';
  /** More headers, sent and signed. */
  signedExtra?: Record<string, string>;
  /** Send no Authorization at all. */
  unsigned?: boolean;
  /** Content-Type sent; null for none. Default application/json. */
  contentType?: string | null;
  /** Sign for this path but send to the real one (tampered path). */
  signPath?: string;
  /** Sign these bytes but send the real body (tampered body). */
  signBody?: Uint8Array;
  /** Last touch to the signed request, e.g. remove a signed header. */
  after?: (req: WireRequest) => void;
};

export type EncryptResult = { sealed: Sealed; response: EncryptResponse; reply: Reply };

/** What a check uses to talk to the proxy; it remembers the last exchange for the report. */
export class CheckContext {
  readonly run: RunState;
  readonly checkId: string;
  /** Whether this check's answers are held to KMS's deadline (CheckDefinition.untimed). */
  timed = true;
  message: string | undefined;
  /** Requests sent by this check. */
  requests = 0;
  lastSent: SentSummary | undefined;
  lastReceived: ReceivedSummary | undefined;

  constructor(run: RunState, checkId: string) {
    this.run = run;
    this.checkId = checkId;
  }

  get options(): ConformanceOptions {
    return this.run.options;
  }

  /** `<base>/health` */
  healthPath(): string {
    return `${this.run.endpoint.basePath}/health`;
  }

  /** `<base>/keys/<id>/<op>` */
  keyPath(keyId: string, op: 'metadata' | 'encrypt' | 'decrypt'): string {
    return `${this.run.endpoint.basePath}/keys/${keyId}/${op}`;
  }

  /** The message shown for a passing check. */
  note(message: string): void {
    this.message = message;
  }

  /** Signs (unless told not to) and POSTs a body: an object (compact JSON), text or bytes. */
  async post(path: string, body: Body | string | Uint8Array, spec: SignSpec = {}): Promise<Reply> {
    const host = this.run.endpoint.host;
    let req: WireRequest;
    if (spec.unsigned) {
      const contentType = spec.contentType === undefined ? 'application/json' : spec.contentType;
      req = {
        method: 'POST',
        path,
        headers: {
          host,
          ...(contentType === null ? {} : { 'content-type': contentType }),
          ...spec.signedExtra,
        },
        body: bodyBytes(body),
      };
    } else {
      req = signXksRequest({
        host,
        path,
        body,
        credential: spec.credential ?? {
          accessKeyId: this.options.accessKeyId,
          secretAccessKey: this.options.secretAccessKey,
        },
        region: spec.region ?? this.options.region,
        service: spec.service,
        now: spec.now ?? this.run.clock(),
        style: spec.style,
        contentType: spec.contentType,
        signedExtra: spec.signedExtra,
        signPath: spec.signPath,
        signBody: spec.signBody,
        cache: this.run.signingCache,
      });
    }
    spec.after?.(req);
    return this.request(req, true);
  }

  /** A GET signed like KMS would sign it (KMS never sends one; the spec wants 405). */
  async signedGet(path: string): Promise<Reply> {
    const headers: Record<string, string> = { host: this.run.endpoint.host };
    const empty = new Uint8Array(0);
    const signed = signRequest(
      { method: 'GET', path, headers, body: empty },
      { accessKeyId: this.options.accessKeyId, secretAccessKey: this.options.secretAccessKey },
      {
        region: this.options.region,
        service: XKS_SIGV4_SERVICE,
        now: this.run.clock(),
        cache: this.run.signingCache,
      },
    );
    headers.authorization = signed.authorization;
    headers['x-amz-date'] = signed['x-amz-date'];
    return this.request({ method: 'GET', path, headers });
  }

  /** Sends a request as given (no signing). `post` marks it for the format.* checks. */
  async request(req: WireRequest, post = req.method === 'POST'): Promise<Reply> {
    this.lastSent = summarizeRequest(req);
    this.lastReceived = undefined;
    this.requests++;
    const started = performance.now();
    try {
      const res = await send(this.run.endpoint, req, {
        timeoutMs: this.run.timeoutMs,
        signal: this.run.signal,
      });
      const text = res.body.toString('utf8');
      const reply: Reply = {
        status: res.status,
        contentType: headerText(res.headers, 'content-type'),
        text,
        durationMs: performance.now() - started,
        answerMs: res.answerMs,
        runnerStallMs: this.run.stalls.stalledMs(
          performance.now() - res.answerMs,
          performance.now(),
        ),
      };
      this.lastReceived = summarizeResponse(res.status, res.headers, text);
      if (post) {
        this.run.exchanges.push({
          checkId: this.checkId,
          method: req.method,
          path: req.path,
          status: reply.status,
          contentType: reply.contentType,
          text,
          durationMs: res.answerMs,
          runnerStallMs: reply.runnerStallMs ?? 0,
          timed: this.timed,
        });
      }
      return reply;
    } catch (e) {
      this.lastReceived = { error: e instanceof Error ? e.message : String(e) };
      throw e;
    }
  }

  /** Encrypts and insists on a conforming 200; returns the fields for a decrypt. */
  async encryptOk(keyId: string, input: EncryptInput, what = 'encrypt'): Promise<EncryptResult> {
    const reply = await this.post(this.keyPath(keyId, 'encrypt'), encryptBody(input));
    const response = expectOk(reply, EncryptResponse, what);
    const sealed: Sealed = {
      ciphertext: response.ciphertext,
      initializationVector: response.initializationVector,
      authenticationTag: response.authenticationTag,
      ...(response.ciphertextMetadata === undefined
        ? {}
        : { ciphertextMetadata: response.ciphertextMetadata }),
    };
    return { sealed, response, reply };
  }

  /** Decrypts and insists on a conforming 200; returns the plaintext bytes. */
  async decryptOk(
    keyId: string,
    sealed: Sealed,
    aad: Uint8Array | undefined,
    what = 'decrypt',
  ): Promise<Buffer> {
    const reply = await this.post(this.keyPath(keyId, 'decrypt'), decryptBody(sealed, aad));
    const response = expectOk(reply, DecryptResponse, what);
    return Buffer.from(response.plaintext, 'base64');
  }
}
