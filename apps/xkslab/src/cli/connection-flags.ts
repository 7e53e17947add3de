import { z } from 'zod';
import {
  type ConnectionLimits,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from '../connection-limits.ts';

/** `--request-timeout-ms` and `--max-connections`, for every command that listens for clients. */
export const CONNECTION_FLAGS = {
  requestTimeoutMs: z.coerce
    .number()
    .int()
    .min(100)
    .max(300_000)
    .default(DEFAULT_REQUEST_TIMEOUT_MS)
    .meta({
      description: `close a connection whose request (head and body) has not arrived\nwithin N ms, or that sends none (default: ${DEFAULT_REQUEST_TIMEOUT_MS}; a KMS call\nhas 250 ms in all)`,
      value: 'N',
    }),
  maxConnections: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(DEFAULT_MAX_CONNECTIONS)
    .meta({
      description: `at most N open connections per listener; past it new ones are closed\n(default: ${DEFAULT_MAX_CONNECTIONS})`,
      value: 'N',
    }),
};

/** The limits the parsed flags ask for. */
export function connectionLimitsOf(o: {
  requestTimeoutMs: number;
  maxConnections: number;
}): ConnectionLimits {
  return { requestTimeoutMs: o.requestTimeoutMs, maxConnections: o.maxConnections };
}
