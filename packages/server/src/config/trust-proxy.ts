// UPSHOT_TRUST_PROXY (README: Behind a reverse proxy): which hops may name the client in
// X-Forwarded-For, read from the setting. http/client-ip.ts applies it to each request.
import ipaddr from 'ipaddr.js';

export type Address = ipaddr.IPv4 | ipaddr.IPv6;
export type Range = [Address, number];

/**
 * Which hops may tell us the client's address, as Express's `trust proxy` (README:
 * Behind a reverse proxy). `none`: the socket peer is the client. `all`: the left-most
 * X-Forwarded-For entry is (the client writes it: safe only when the proxy overwrites the
 * header). `hops`: that many proxies, counted from the socket inward. `ranges`: proxies
 * whose address is in one of these ranges.
 */
export type TrustProxy =
  | { kind: 'none' }
  | { kind: 'all' }
  | { kind: 'hops'; hops: number }
  | { kind: 'ranges'; ranges: Range[] };

/** The names Express accepts in a list, standing for these ranges. */
const NAMED_RANGES = new Map([
  ['loopback', ['127.0.0.1/8', '::1/128']],
  ['linklocal', ['169.254.0.0/16', 'fe80::/10']],
  ['uniquelocal', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']],
]);

/** An address in its plain form: IPv4-mapped IPv6 becomes IPv4. null when not an address. */
export function parseAddress(text: string): Address | null {
  const value = text.trim();
  // Dotted IPv4 only in its four-part form ("1" or "0x7f.1" are not addresses here).
  if (!value.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(value)) return null;
  if (!ipaddr.isValid(value)) return null;
  return ipaddr.process(value);
}

/** An address or CIDR range; an IPv4-mapped IPv6 range is read as the IPv4 range. */
function parseRange(text: string): Range | null {
  const [host = '', bits, ...rest] = text.split('/');
  if (rest.length > 0) return null;
  const address = parseAddress(host);
  if (!address) return null;
  const max = address.kind() === 'ipv4' ? 32 : 128;
  const mappedOffset = address.kind() === 'ipv4' && host.includes(':') ? 96 : 0;
  if (bits === undefined) return [address, max];
  if (!/^\d{1,3}$/.test(bits)) return null;
  const prefix = Number(bits) - mappedOffset;
  return prefix >= 0 && prefix <= max ? [address, prefix] : null;
}

const TRUE = new Set(['true', 'yes', 'on']);
const FALSE = new Set(['false', 'no', 'off']);

/**
 * Reads the UPSHOT_TRUST_PROXY setting: false, true, a hop count, or a comma-separated
 * list of addresses, CIDR ranges and the names loopback, linklocal, uniquelocal.
 * null when the value is none of these.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy | null {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || FALSE.has(text)) return { kind: 'none' };
  if (TRUE.has(text)) return { kind: 'all' };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 1000) return null;
    return hops === 0 ? { kind: 'none' } : { kind: 'hops', hops };
  }
  const ranges: Range[] = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    for (const range of (NAMED_RANGES.get(entry) ?? [entry]).map(parseRange)) {
      if (!range) return null;
      ranges.push(range);
    }
  }
  return { kind: 'ranges', ranges };
}
