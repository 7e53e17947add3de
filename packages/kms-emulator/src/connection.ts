/**
 * The connection state machine of a custom key store (§5; ConnectCustomKeyStore and
 * DisconnectCustomKeyStore in the KMS API reference):
 *
 *   DISCONNECTED --connect--> CONNECTING --health ok--> CONNECTED
 *                                        --health failed--> FAILED (with a ConnectionErrorCode)
 *   CONNECTED | CONNECTING | FAILED --disconnect--> DISCONNECTING --done--> DISCONNECTED
 *
 * Connect on CONNECTED or CONNECTING succeeds and changes nothing; connect on DISCONNECTING or
 * FAILED is refused (a FAILED store is disconnected first); disconnect on DISCONNECTED or
 * DISCONNECTING is refused. A store only becomes DISCONNECTED by an explicit request: KMS never
 * disconnects an unhealthy proxy by itself.
 */
import type { ConnectionState } from './model.ts';

export type ConnectionEvent =
  | 'connect'
  | 'connect-succeeded'
  | 'connect-failed'
  | 'disconnect'
  | 'disconnect-finished';

export type Transition =
  | { ok: true; next: ConnectionState; changed: boolean }
  | { ok: false; reason: string };

const refuse = (reason: string): Transition => ({ ok: false, reason });
const move = (from: ConnectionState, next: ConnectionState): Transition => ({
  ok: true,
  next,
  changed: from !== next,
});

/** The next state for an event, or why the event is not allowed in this state. */
export function transition(state: ConnectionState, event: ConnectionEvent): Transition {
  switch (event) {
    case 'connect':
      if (state === 'DISCONNECTED') return move(state, 'CONNECTING');
      if (state === 'CONNECTED' || state === 'CONNECTING') return move(state, state);
      return refuse(
        state === 'FAILED'
          ? 'the custom key store is FAILED: disconnect it (DisconnectCustomKeyStore) before connecting it again'
          : 'the custom key store is DISCONNECTING: wait until it is DISCONNECTED',
      );
    case 'connect-succeeded':
      return state === 'CONNECTING'
        ? move(state, 'CONNECTED')
        : refuse('no connection attempt in progress');
    case 'connect-failed':
      return state === 'CONNECTING'
        ? move(state, 'FAILED')
        : refuse('no connection attempt in progress');
    case 'disconnect':
      if (state === 'DISCONNECTED' || state === 'DISCONNECTING') {
        return refuse(`the custom key store is already ${state}`);
      }
      return move(state, 'DISCONNECTING');
    case 'disconnect-finished':
      return state === 'DISCONNECTING'
        ? move(state, 'DISCONNECTED')
        : refuse('no disconnection in progress');
  }
}
