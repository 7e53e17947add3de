import { describe, expect, it } from 'vitest';
import { type ConnectionEvent, transition } from './connection.ts';
import type { ConnectionState } from './model.ts';

const STATES: ConnectionState[] = [
  'DISCONNECTED',
  'CONNECTING',
  'CONNECTED',
  'FAILED',
  'DISCONNECTING',
];
const EVENTS: ConnectionEvent[] = [
  'connect',
  'connect-succeeded',
  'connect-failed',
  'disconnect',
  'disconnect-finished',
];

/** The whole table: state x event -> next state, or '-' when refused. */
const TABLE: Record<ConnectionState, Record<ConnectionEvent, ConnectionState | '-'>> = {
  DISCONNECTED: {
    connect: 'CONNECTING',
    'connect-succeeded': '-',
    'connect-failed': '-',
    disconnect: '-',
    'disconnect-finished': '-',
  },
  CONNECTING: {
    connect: 'CONNECTING',
    'connect-succeeded': 'CONNECTED',
    'connect-failed': 'FAILED',
    disconnect: 'DISCONNECTING',
    'disconnect-finished': '-',
  },
  CONNECTED: {
    connect: 'CONNECTED',
    'connect-succeeded': '-',
    'connect-failed': '-',
    disconnect: 'DISCONNECTING',
    'disconnect-finished': '-',
  },
  FAILED: {
    connect: '-',
    'connect-succeeded': '-',
    'connect-failed': '-',
    disconnect: 'DISCONNECTING',
    'disconnect-finished': '-',
  },
  DISCONNECTING: {
    connect: '-',
    'connect-succeeded': '-',
    'connect-failed': '-',
    disconnect: '-',
    'disconnect-finished': 'DISCONNECTED',
  },
};

describe('connection state machine', () => {
  for (const state of STATES) {
    for (const event of EVENTS) {
      const expected = TABLE[state][event];
      it(`${state} + ${event} -> ${expected}`, () => {
        const t = transition(state, event);
        if (expected === '-') expect(t.ok).toBe(false);
        else expect(t).toEqual({ ok: true, next: expected, changed: expected !== state });
      });
    }
  }

  it('tells a FAILED store to disconnect before reconnecting', () => {
    const t = transition('FAILED', 'connect');
    expect(t.ok ? '' : t.reason).toMatch(/disconnect it/);
  });
});
