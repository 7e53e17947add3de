import type { AddressInfo } from 'node:net';

/** One shell word: as it is when it needs no quoting, else in single quotes. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** A URL a local client can use for a bound address (a wildcard address means loopback). */
export function localUrl(scheme: string, address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard
    ? '127.0.0.1'
    : address.family === 'IPv6'
      ? `[${address.address}]`
      : address.address;
  return `${scheme}://${host}:${address.port}`;
}

/** The URL of a bound address as it is: a wildcard address stays a wildcard. */
export function boundUrl(scheme: string, address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}
