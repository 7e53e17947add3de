// @ts-check
// The HTTP limit of this machine: a bare node:http (or https, given cert and key paths) server
// that reads the whole request body and answers a fixed compact JSON body the size of an XKS
// encrypt response. No routing, no auth, no crypto, no logging.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';

const BODY = JSON.stringify({
  authenticationTag: 'jwiBoOyP/E1mQfqS8Pn3Sg==',
  ciphertext:
    'kPnp9iBc1J0v7tWCD7MEkQq3GVV4ePjvn6J6x1rbM+qTD5p0AD6gtHn8p4q6C8H6rE2oV3ObEm5yMSq0u8Yc7S0rjZ5oE1v0oZ0sfx3b2Q/3P+2Fg6B2+X8o3w5pT8Dk0R8sR9nGwq6m3b1XcQmzj9f5Xb2j9Wk4aJ0n1Zq4k0xM2kE9bVv7fVqz0lJtYQ2H2v8vZ6Kk1w2gGg0p9g0sA==',
  initializationVector: 'q3S5a0kq5yq1bQ2d',
  ciphertextMetadata: 'AQ==',
});
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
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.stdout.write(`bare server port ${address.port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
