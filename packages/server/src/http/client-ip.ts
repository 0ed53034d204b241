/** Minimal view of Bun's server: enough to read the peer address. */
export interface PeerAddressSource {
  requestIP(request: Request): { address: string } | null;
}

/**
 * The client's address: the peer, or with a trusted proxy in front the first address
 * of X-Forwarded-For. null when unknown (requests handled without a socket, in tests).
 */
export function clientIp(
  request: Request,
  server: PeerAddressSource | null,
  trustProxy: boolean,
): string | null {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return server?.requestIP(request)?.address ?? null;
}
