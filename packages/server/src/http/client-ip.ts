import ipaddr from 'ipaddr.js';

/** Minimal view of Bun's server: enough to read the peer address. */
export interface PeerAddressSource {
  requestIP(request: Request): { address: string } | null;
}

// The socket peer of each request, noted by the server's fetch handler (server.ts) before
// any route runs, so routes need no handle on the server. The address itself is asked of
// the server only when a route wants it: requestIP costs more than serving a cached file.
const peers = new WeakMap<Request, PeerAddressSource>();

export function notePeer(request: Request, server: PeerAddressSource | null): void {
  if (server) peers.set(request, server);
}

const peerOf = (request: Request): string | null =>
  peers.get(request)?.requestIP(request)?.address || null;

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

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
function parseAddress(text: string): Address | null {
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

function trusted(policy: TrustProxy, address: Address, index: number): boolean {
  switch (policy.kind) {
    case 'none':
      return false;
    case 'all':
      return true;
    case 'hops':
      return index < policy.hops;
    case 'ranges':
      return policy.ranges.some(
        ([range, bits]) => range.kind() === address.kind() && address.match(range, bits),
      );
  }
}

/**
 * The client's address from the socket peer and X-Forwarded-For, as Express resolves it:
 * walking from the peer towards the left-most entry, the first address that is not a
 * trusted proxy is the client (the left-most when all are trusted). An entry that is not
 * an address ends the walk at the hop that handed it over, as that hop's word can't be read.
 */
export function resolveClientIp(
  peer: string | null,
  forwardedFor: string | null,
  policy: TrustProxy,
): string | null {
  if (peer === null) return null;
  const socket = parseAddress(peer);
  if (!socket) return peer;
  if (policy.kind === 'none' || !forwardedFor) return socket.toString();
  const hops = [socket];
  const entries = forwardedFor.split(',');
  for (let i = entries.length - 1; i >= 0; i--) {
    const address = parseAddress(entries[i] ?? '');
    if (!address) break;
    hops.push(address);
  }
  let client = socket;
  for (let index = 0; index < hops.length; index++) {
    const hop = hops[index] as Address;
    client = hop;
    if (!trusted(policy, hop, index)) break;
  }
  return client.toString();
}

/**
 * The client's address: the peer, or with trusted proxies in front the address they
 * forwarded (resolveClientIp). null when unknown (requests handled without a socket).
 */
export function clientIp(request: Request, trustProxy: TrustProxy): string | null {
  const peer = peerOf(request);
  return resolveClientIp(peer, request.headers.get('x-forwarded-for'), trustProxy);
}
