/**
 * An in-process XKS proxy for unit tests, reached through the emulator's transport interface: it
 * verifies SigV4 like a real proxy, keeps AES-256 keys, answers the four operations per the spec,
 * records every request, and can be scripted to fail (error names, timeouts, broken responses).
 */
import { gcm } from '@noble/ciphers/aes.js';
import {
  buildGcmAad,
  computeCdiv,
  decodeBase64,
  encodeBase64,
  XKS_ERRORS,
  XKS_SIGV4_SERVICE,
  type XksErrorName,
} from '@xkslab/protocol';
import { verifyRequest } from '@xkslab/sigv4';
import type { XksHttpRequest, XksHttpResponse, XksTransport } from '../xks/transport.ts';
import { XksTransportError } from '../xks/transport.ts';

export type FakeKey = {
  id: string;
  material: Uint8Array;
  keySpec?: string;
  usage?: string[];
  status?: 'ENABLED' | 'DISABLED';
};

/** What the next matching call does instead of answering normally. */
export type ScriptedFault =
  | { kind: 'error'; errorName: XksErrorName }
  | { kind: 'timeout' }
  | { kind: 'unreachable' }
  | { kind: 'tls' }
  | { kind: 'garbage' }
  | { kind: 'metadata-too-long' }
  | { kind: 'flip-cdiv' }
  | { kind: 'flip-ciphertext' };

export type RecordedCall = {
  url: string;
  operation: 'health' | 'metadata' | 'encrypt' | 'decrypt';
  keyId?: string | undefined;
  headers: Readonly<Record<string, string>>;
  body: Record<string, unknown>;
};

export type FakeProxyOptions = {
  endpoint: string;
  uriPath: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  keys?: FakeKey[];
  clock: () => Date;
  random: (n: number) => Uint8Array;
};

const METADATA = Uint8Array.of(0x78, 0x6b, 0x01);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function json(status: number, body: object): XksHttpResponse {
  return { status, body: encoder.encode(JSON.stringify(body)) };
}

function bytes(text: unknown): Uint8Array {
  if (typeof text !== 'string') return new Uint8Array(0);
  const r = decodeBase64(text, 1 << 20);
  return r.ok ? r.bytes : new Uint8Array(0);
}

export class FakeXksProxy {
  readonly options: FakeProxyOptions;
  readonly keys = new Map<string, FakeKey>();
  readonly calls: RecordedCall[] = [];
  /** Health status of every key manager instance. */
  health: 'ACTIVE' | 'DEGRADED' | 'UNAVAILABLE' = 'ACTIVE';
  readonly #faults: Array<{
    operation?: RecordedCall['operation'] | undefined;
    fault: ScriptedFault;
  }> = [];

  constructor(options: FakeProxyOptions) {
    this.options = options;
    for (const key of options.keys ?? []) this.keys.set(key.id, key);
  }

  /** Scripts the next call (of `operation`, or any) to fail this way. Several queue up. */
  failNext(fault: ScriptedFault, operation?: RecordedCall['operation']): void {
    this.#faults.push({ operation, fault });
  }

  get transport(): XksTransport {
    return (req) => this.#serve(req);
  }

  calledWith(operation: RecordedCall['operation']): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  async #serve(req: XksHttpRequest): Promise<XksHttpResponse> {
    if (!req.url.startsWith(this.options.endpoint)) {
      throw new XksTransportError('UNREACHABLE', 'no such host');
    }
    const url = new URL(req.url);
    const prefix = `${this.options.uriPath}`;
    const rest = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : undefined;
    const match =
      rest === undefined
        ? null
        : /^\/(?:health|keys\/([^/]+)\/(metadata|encrypt|decrypt))$/.exec(rest);
    const operation = (match?.[2] ?? (match ? 'health' : undefined)) as
      | RecordedCall['operation']
      | undefined;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(decoder.decode(req.body)) as Record<string, unknown>;
    } catch {
      // recorded as empty
    }
    if (operation) {
      this.calls.push({ url: req.url, operation, keyId: match?.[1], headers: req.headers, body });
    }
    const index = this.#faults.findIndex(
      (f) => f.operation === undefined || f.operation === operation,
    );
    const scripted = index === -1 ? undefined : this.#faults.splice(index, 1)[0]?.fault;
    if (scripted?.kind === 'timeout') throw new XksTransportError('TIMEOUT', 'scripted timeout');
    if (scripted?.kind === 'unreachable') throw new XksTransportError('UNREACHABLE', 'scripted');
    if (scripted?.kind === 'tls') throw new XksTransportError('TLS', 'scripted');
    if (scripted?.kind === 'garbage') return { status: 200, body: encoder.encode('<html>') };
    if (scripted?.kind === 'error') {
      return json(XKS_ERRORS[scripted.errorName].status, { errorName: scripted.errorName });
    }
    if (!operation) return json(404, { errorName: 'InvalidUriPathException' });
    const auth = verifyRequest(
      { method: 'POST', path: url.pathname, headers: req.headers, body: req.body },
      {
        region: this.options.region,
        service: XKS_SIGV4_SERVICE,
        now: this.options.clock(),
        resolveSecret: (id) =>
          id === this.options.accessKeyId ? this.options.secretAccessKey : undefined,
      },
    );
    if (!auth.ok) return json(401, { errorName: 'AuthenticationFailedException' });
    if (operation === 'health') {
      return json(200, {
        xksProxyFleetSize: 1,
        xksProxyVendor: 'fake',
        xksProxyModel: 'fake proxy 1',
        ekmVendor: 'fake',
        ekmFleetDetails: [{ id: 'node-1', model: 'fake', healthStatus: this.health }],
      });
    }
    const key = this.keys.get(match?.[1] ?? '');
    if (!key) return json(404, { errorName: 'KeyNotFoundException' });
    if (operation === 'metadata') {
      return json(200, {
        keySpec: key.keySpec ?? 'AES_256',
        keyUsage: key.usage ?? ['ENCRYPT', 'DECRYPT'],
        keyStatus: key.status ?? 'ENABLED',
      });
    }
    if ((key.status ?? 'ENABLED') !== 'ENABLED')
      return json(400, { errorName: 'InvalidStateException' });
    const aad = bytes(body.additionalAuthenticatedData);
    if (operation === 'encrypt') return this.#encrypt(key, aad, body, scripted);
    const metadata = bytes(body.ciphertextMetadata);
    const sealed = new Uint8Array([...bytes(body.ciphertext), ...bytes(body.authenticationTag)]);
    try {
      const plaintext = gcm(
        key.material,
        bytes(body.initializationVector),
        buildGcmAad(aad, metadata),
      ).decrypt(sealed);
      return json(200, { plaintext: encodeBase64(plaintext) });
    } catch {
      return json(400, { errorName: 'InvalidCiphertextException' });
    }
  }

  /** An encrypt answer, with a scripted defect applied when one is due. */
  #encrypt(
    key: FakeKey,
    aad: Uint8Array,
    body: Record<string, unknown>,
    scripted: ScriptedFault | undefined,
  ): XksHttpResponse {
    const metadata = scripted?.kind === 'metadata-too-long' ? new Uint8Array(21) : METADATA;
    const iv = this.options.random(12);
    const sealed = gcm(key.material, iv, buildGcmAad(aad, metadata.slice(0, 20))).encrypt(
      bytes(body.plaintext),
    );
    const ciphertext = sealed.slice(0, -16);
    const tag = sealed.slice(-16);
    const cdiv = computeCdiv({ aad, ciphertextMetadata: metadata, iv, ciphertext, tag });
    if (scripted?.kind === 'flip-cdiv') cdiv[0] = (cdiv[0] ?? 0) ^ 1;
    if (scripted?.kind === 'flip-ciphertext' && ciphertext.length > 0)
      ciphertext[0] = (ciphertext[0] ?? 0) ^ 1;
    return json(200, {
      ciphertext: encodeBase64(ciphertext),
      initializationVector: encodeBase64(iv),
      authenticationTag: encodeBase64(tag),
      ciphertextMetadata: encodeBase64(metadata),
      ciphertextDataIntegrityValue: encodeBase64(cdiv),
    });
  }
}
