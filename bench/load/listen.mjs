// @ts-check
// How the baseline servers of bench/load listen: on 127.0.0.1 at a free port, idle connections kept
// as xkslab keeps them, the port printed as `<label> port N` (bench/lib/servers.mjs reads it), and
// SIGTERM closing the server and its connections.

/**
 * @param {import('node:http').Server} server @param {string} label
 */
export function listenBaseline(server, label) {
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    const address = /** @type {import('node:net').AddressInfo} */ (server.address());
    process.stdout.write(`${label} port ${address.port}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
  });
}
