// @ts-check
// The framework floor: the smallest Hono app on @hono/node-server (xkslab's HTTP stack) that does
// what the bare server does plus what any JSON API does, reading the whole body, parsing it as
// JSON and answering with c.json. No routing beyond one route, no auth, no crypto, no logging.
// Beside bare node:http it shows how much of xkslab's CPU per request is the framework's.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { ENCRYPT_ANSWER } from './encrypt-answer.mjs';

const answer = JSON.parse(ENCRYPT_ANSWER);
const app = new Hono();
app.post('*', async (c) => {
  JSON.parse(await c.req.text());
  return c.json(answer);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`hono server port ${info.port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
