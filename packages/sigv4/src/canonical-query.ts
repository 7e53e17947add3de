import { uriDecode, uriEncode } from './uri-encode.ts';

/**
 * SigV4 CanonicalQueryString of a raw query (the part after '?', without it): split on '&',
 * each name and value percent-decoded then UriEncoded (RFC 3986 unreserved set kept), sorted by
 * encoded name then encoded value, joined as 'name=value' with '&'. Empty when there is no query.
 * Empty components ('a=1&&b=2', a trailing '&') are dropped; a name without '=' gets an empty value.
 */
export function canonicalQueryString(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: { name: string; value: string }[] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push({ name: uriEncode(uriDecode(name)), value: uriEncode(uriDecode(value)) });
  }
  // Encoded strings are ASCII, so code-unit order is byte order.
  pairs.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0,
  );
  let out = '';
  for (const { name, value } of pairs) out += `${out === '' ? '' : '&'}${name}=${value}`;
  return out;
}
