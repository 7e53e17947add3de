/**
 * The local address a listening TCP socket is bound to, read from /proc/net/tcp and tcp6 (Linux):
 * how a test proves a listener is on loopback without connecting from another interface.
 */
import { readFile } from 'node:fs/promises';

/** "0100007F" (little-endian IPv4 in /proc/net/tcp) → "127.0.0.1"; IPv6 as 32 hex digits. */
function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    const bytes = hex.match(/../g)?.map((b) => Number.parseInt(b, 16)) ?? [];
    return bytes.reverse().join('.');
  }
  if (/^0+$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return hex;
}

const LISTEN = '0A';

/** The addresses of the sockets listening on `port` (any process). */
export async function listeningAddresses(port: number): Promise<string[]> {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [address, portHex] = (fields[1] ?? '').split(':');
      if (fields[3] !== LISTEN || address === undefined || portHex === undefined) continue;
      if (Number.parseInt(portHex, 16) === port) found.push(decodeAddress(address));
    }
  }
  return found;
}
