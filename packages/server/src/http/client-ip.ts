import { type Address, parseAddress, type TrustProxy } from '../config/trust-proxy.ts';

export { parseTrustProxy } from '../config/trust-proxy.ts';
export type { TrustProxy };

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
