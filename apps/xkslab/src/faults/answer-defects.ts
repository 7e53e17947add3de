import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { HttpBindings } from '@hono/node-server';
import type { DefectName } from '@xkslab/protocol';
import type { Context } from 'hono';
import { delay } from './connection.ts';

/**
 * Defects of how and when a proxy answers rather than what: held answers ('slow-answers',
 * 'few-connections'), a connection that cannot carry pipelined requests ('pipelining-dropped'),
 * a response cache in front of encrypt ('encrypt-cached'). One `AnswerDefects` per fault plan.
 */
export const HELD_ANSWER_MS = 400;
/** 'slow-answers' holds one answer in this many. */
const SLOW_EVERY = 20;
/** 'few-connections' holds answers while more connections than this are open. */
const FEW_CONNECTIONS = 4;
const CACHE_ENTRIES = 1000;

function socketOf(c: Context): Socket | undefined {
  return (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket;
}

/** Open connections of the server behind `socket` (a server-side socket knows its server). */
function openConnections(socket: Socket | undefined): Promise<number> {
  const server = (
    socket as
      | (Socket & { server?: { getConnections(cb: (e: Error | null, n: number) => void): void } })
      | undefined
  )?.server;
  if (!server) return Promise.resolve(0);
  return new Promise((resolve) => server.getConnections((e, n) => resolve(e ? 0 : n)));
}

type EncryptRequestFields = {
  plaintext?: unknown;
  additionalAuthenticatedData?: unknown;
  ciphertextDataIntegrityValueAlgorithm?: unknown;
};

export class AnswerDefects {
  #answers = 0;
  readonly #busy = new WeakMap<Socket, number>();
  readonly #cache = new Map<string, object>();

  /**
   * 'pipelining-dropped': true when this request arrived on a connection whose previous request
   * is still being answered (it was pipelined); the caller drops the connection. Otherwise it
   * marks the connection busy until the answer is sent.
   */
  pipelined(defect: DefectName | undefined, c: Context): boolean {
    if (defect !== 'pipelining-dropped') return false;
    const socket = socketOf(c);
    if (!socket) return false;
    const busy = this.#busy.get(socket) ?? 0;
    if (busy > 0) return true;
    this.#busy.set(socket, busy + 1);
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    outgoing?.once('finish', () => this.#busy.set(socket, (this.#busy.get(socket) ?? 1) - 1));
    return false;
  }

  /** 'slow-answers' and 'few-connections': waits before an answer goes out. */
  async hold(defect: DefectName | undefined, c: Context): Promise<void> {
    if (defect === 'slow-answers' && ++this.#answers % SLOW_EVERY === 0) {
      await delay(HELD_ANSWER_MS);
    }
    if (defect === 'few-connections' && (await openConnections(socketOf(c))) > FEW_CONNECTIONS) {
      await delay(HELD_ANSWER_MS);
    }
  }

  /** 'encrypt-cached': the first answer to the same key, plaintext and AAD, again. */
  cachedEncrypt(keyStore: string, keyId: string, request: unknown, result: object): object {
    const r = (request ?? {}) as EncryptRequestFields;
    const id = createHash('sha256')
      .update(
        JSON.stringify([
          keyStore,
          keyId,
          r.plaintext,
          r.additionalAuthenticatedData,
          r.ciphertextDataIntegrityValueAlgorithm,
        ]),
      )
      .digest('hex');
    const hit = this.#cache.get(id);
    if (hit) return hit;
    if (this.#cache.size >= CACHE_ENTRIES) this.#cache.clear();
    this.#cache.set(id, result);
    return result;
  }
}
