// @ts-check
// The HTTP limit of this machine: a bare node:http (or https, given cert and key paths) server
// that reads the whole request body and answers a fixed compact JSON body the size of an XKS
// encrypt response. No routing, no auth, no crypto, no logging.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { ENCRYPT_ANSWER as BODY } from './encrypt-answer.mjs';
import { listenBaseline } from './listen.mjs';

const [certPath, keyPath] = process.argv.slice(2);
/** @type {import('node:http').RequestListener} */
const handler = (req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(BODY),
    });
    res.end(BODY);
  });
};
const server =
  certPath && keyPath
    ? createTlsServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, handler)
    : createServer(handler);
listenBaseline(server, 'bare server');
