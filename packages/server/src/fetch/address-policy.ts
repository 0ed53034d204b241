import ipaddr from 'ipaddr.js';

/**
 * Where an IP address leads, for deciding whether the server may connect to it.
 *
 * - `public`: globally routable unicast.
 * - `private`: this machine or its own networks (loopback, RFC 1918, carrier-grade NAT,
 *   IPv6 unique-local). Reachable only when the operator allows private targets.
 * - `forbidden`: never a valid target, whatever the settings: link-local (169.254/16 holds
 *   the cloud metadata service), every known cloud metadata address (some sit in private
 *   ranges), unspecified, multicast, broadcast, reserved and documentation ranges,
 *   deprecated and unassigned IPv6 space, and anything unparsable.
 */
export type AddressClass = 'public' | 'private' | 'forbidden';

const PRIVATE_V4_RANGES = new Set(['loopback', 'private', 'carrierGradeNat']);

/**
 * Cloud metadata services (README: Configuration, `UPSHOT_FETCH_ALLOW_PRIVATE`): refused
 * even when private networks are allowed, as they hand out the machine's credentials.
 * Kept in ipaddr.js's normalised form; IPv4-mapped IPv6 is unwrapped before the lookup.
 */
const METADATA_ADDRESSES = new Set(
  [
    '169.254.169.254', // AWS, GCP, Azure, DigitalOcean, OpenStack, ...
    '169.254.170.2', // AWS ECS task metadata
    '169.254.0.23', // Tencent Cloud
    '100.100.100.200', // Alibaba Cloud
    '192.0.0.192', // Oracle Cloud
    'fd00:ec2::254', // AWS IPv6
    'fd20:ce::254', // GCP IPv6
  ].map((ip) => ipaddr.parse(ip).toNormalizedString()),
);

function isMetadataAddress(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  const plain =
    address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? (address as ipaddr.IPv6).toIPv4Address()
      : address;
  return METADATA_ADDRESSES.has(plain.toNormalizedString());
}

/** 2000::/3, the only IPv6 space assigned for global unicast. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
/** ::/96, IPv4-compatible IPv6 (deprecated; `::` and `::1` are ranged apart before this). */
const V4_COMPATIBLE_V6 = ipaddr.parseCIDR('::/96');

function classifyV4(address: ipaddr.IPv4): AddressClass {
  const range = address.range();
  if (range === 'unicast') return 'public';
  return PRIVATE_V4_RANGES.has(range) ? 'private' : 'forbidden';
}

/** A tunnelled address leads wherever its embedded IPv4 address leads, when that is public. */
function embeddedV4IsPublic(parts: number[], high: number, low: number, mask = 0): boolean {
  const a = (parts[high] ?? 0) ^ mask;
  const b = (parts[low] ?? 0) ^ mask;
  const v4 = new ipaddr.IPv4([a >> 8, a & 0xff, b >> 8, b & 0xff]);
  return classifyV4(v4) === 'public';
}

function classifyV6(address: ipaddr.IPv6): AddressClass {
  if (address.zoneId !== undefined) return 'forbidden';
  const parts = address.parts;
  const range = address.range();
  switch (range) {
    case 'loopback':
    case 'uniqueLocal':
      return 'private';
    case 'ipv4Mapped':
      // ::ffff:a.b.c.d is connected to as a.b.c.d.
      return classifyV4(address.toIPv4Address());
    case '6to4':
      // 2002:AABB:CCDD::/48 routes to AA.BB.CC.DD.
      return embeddedV4IsPublic(parts, 1, 2) ? 'public' : 'forbidden';
    case 'teredo': {
      // 2001:0:SSSS:SSSS:flags:port:CCCC:CCCC, the client address stored inverted.
      const server = embeddedV4IsPublic(parts, 2, 3);
      const client = embeddedV4IsPublic(parts, 6, 7, 0xffff);
      return server && client ? 'public' : 'forbidden';
    }
    case 'rfc6052':
      // Only the well-known NAT64 prefix 64:ff9b::/96 (translates to the last 32 bits);
      // the local-use 64:ff9b:1::/48 leads into the operator's own network.
      if (parts[1] === 0xff9b && parts.slice(2, 6).every((p) => p === 0)) {
        return embeddedV4IsPublic(parts, 6, 7) ? 'public' : 'forbidden';
      }
      return 'forbidden';
    case 'unicast':
      if (address.match(V4_COMPATIBLE_V6)) return 'forbidden';
      return address.match(GLOBAL_UNICAST_V6) ? 'public' : 'forbidden';
    default:
      return 'forbidden';
  }
}

/**
 * Rewrites an IPv6 address's dotted IPv4 tail as two hex groups (`::127.0.0.1` → `::7f00:1`).
 * ipaddr.js reads any dotted tail as IPv4-mapped, which would turn the IPv4-compatible
 * `::a.b.c.d` into `::ffff:a.b.c.d`.
 */
function dottedTailToHex(ip: string): string {
  return ip.replace(
    /:(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(%.*)?$/,
    (match, a, b, c, d, zone) => {
      const bytes = [a, b, c, d].map(Number);
      if (bytes.some((byte) => byte > 255)) return match;
      const [w, x, y, z] = bytes as [number, number, number, number];
      return `:${((w << 8) | x).toString(16)}:${((y << 8) | z).toString(16)}${zone ?? ''}`;
    },
  );
}

/**
 * Classifies an IP address given as text (dotted IPv4 in any form `ipaddr.js` accepts, or
 * IPv6 without brackets). Anything that isn't an IP address is `forbidden`.
 */
export function classifyAddress(ip: string): AddressClass {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.parse(ip.includes(':') ? dottedTailToHex(ip) : ip);
  } catch {
    return 'forbidden';
  }
  if (isMetadataAddress(address)) return 'forbidden';
  return address.kind() === 'ipv4'
    ? classifyV4(address as ipaddr.IPv4)
    : classifyV6(address as ipaddr.IPv6);
}

/** True only for globally routable unicast addresses. */
export function isPublicAddress(ip: string): boolean {
  return classifyAddress(ip) === 'public';
}

/** Whether a connection to `ip` is allowed: public always, private only when allowed. */
export function isAllowedAddress(ip: string, allowPrivate: boolean): boolean {
  const kind = classifyAddress(ip);
  return kind === 'public' || (allowPrivate && kind === 'private');
}
