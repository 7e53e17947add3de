/**
 * A minimal AWS KMS JSON 1.1 client (SigV4, service `kms`), for the demo and tests that should not
 * need the AWS SDK. Blob members are Base64 strings both ways, as on the wire.
 */
import { signRequest } from '@xkslab/sigv4';
import { KMS_CONTENT_TYPE, KMS_SIGV4_SERVICE, KMS_TARGET_PREFIX } from '../constants.ts';

export type KmsClientOptions = {
  /** e.g. http://127.0.0.1:7781 */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  clock?: () => Date;
  fetch?: (request: Request) => Promise<Response>;
};

/** An error answered by KMS: `name` is the exception (`__type`). */
export class KmsClientError extends Error {
  readonly status: number;
  readonly requestId: string | undefined;
  constructor(name: string, message: string, status: number, requestId: string | undefined) {
    super(message);
    this.name = name;
    this.status = status;
    this.requestId = requestId;
  }
}

export type KmsResult = Record<string, unknown> & { $requestId?: string };

export class KmsJsonClient {
  readonly #options: KmsClientOptions;

  constructor(options: KmsClientOptions) {
    this.#options = options;
  }

  /** Calls `TrentService.<action>`; resolves with the response object plus `$requestId`. */
  async call(action: string, input: object = {}): Promise<KmsResult> {
    const url = new URL(this.#options.endpoint);
    const body = new TextEncoder().encode(JSON.stringify(input));
    const headers: Record<string, string> = {
      host: url.host,
      'content-type': KMS_CONTENT_TYPE,
      'x-amz-target': `${KMS_TARGET_PREFIX}${action}`,
    };
    const signed = signRequest(
      { method: 'POST', path: '/', headers, body },
      this.#options.credentials,
      {
        region: this.#options.region,
        service: KMS_SIGV4_SERVICE,
        now: (this.#options.clock ?? (() => new Date()))(),
        signedHeaders: ['content-type', 'host', 'x-amz-date', 'x-amz-target'],
      },
    );
    const send = this.#options.fetch ?? ((r: Request) => fetch(r));
    const response = await send(
      new Request(new URL('/', url), {
        method: 'POST',
        headers: { ...headers, ...signed },
        body,
      }),
    );
    const requestId = response.headers.get('x-amzn-requestid') ?? undefined;
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new KmsClientError('InvalidResponse', text.slice(0, 200), response.status, requestId);
    }
    if (!response.ok) {
      const type = String(json.__type ?? 'UnknownError');
      const name = type.includes('#') ? (type.split('#').pop() ?? type) : type;
      throw new KmsClientError(name, String(json.message ?? ''), response.status, requestId);
    }
    return requestId === undefined ? json : { ...json, $requestId: requestId };
  }
}
