import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress, isAllowedAddress } from './address-policy.ts';
import { SourceFetchError } from './errors.ts';

/** Resolves a host name to every address it has. */
export type Resolve = (hostname: string) => Promise<string[]>;

/** The system resolver (getaddrinfo through node:dns), all addresses. */
export const systemResolve: Resolve = async (hostname) => {
  const records = await lookup(hostname, { all: true });
  return records.map((record) => record.address);
};

/** A URL that passed every check, with the addresses a connection to it may use. */
export interface Target {
  url: URL;
  /** The host name as written in the URL (brackets removed from IPv6 literals). */
  hostname: string;
  /** True when the URL names an IP address, so no resolution happened. */
  isIpLiteral: boolean;
  /** Checked addresses, in resolver order; the connection must go to one of these. */
  addresses: string[];
}

export interface TargetPolicy {
  allowPrivate: boolean;
  resolve: Resolve;
}

/** The URL as it may appear in logs: no credentials, no query string, no fragment. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * Parses a source URL or a redirect's Location (relative to `base`) and checks what can be
 * checked without the network: an http(s) scheme and no credentials.
 */
export function parseTargetUrl(input: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    throw base
      ? new SourceFetchError('failed', `invalid redirect location from ${describeUrl(base)}`)
      : new SourceFetchError('not-allowed', 'not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SourceFetchError('not-allowed', `scheme ${url.protocol} is not allowed`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new SourceFetchError(
      'not-allowed',
      `credentials in the URL are not allowed (${describeUrl(url)})`,
    );
  }
  url.hash = '';
  return url;
}

/**
 * Resolves the URL's host and checks every address it resolves to. One refused address
 * refuses the whole host: a name that answers both a public and a private address could
 * otherwise be steered to the private one.
 */
export async function checkTarget(url: URL, policy: TargetPolicy): Promise<Target> {
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const isIpLiteral = isIP(hostname) !== 0;
  let addresses: string[];
  if (isIpLiteral) {
    addresses = [hostname];
  } else {
    try {
      addresses = [...new Set(await policy.resolve(hostname))];
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new SourceFetchError(
        'failed',
        `cannot resolve ${hostname}${typeof code === 'string' ? ` (${code})` : ''}`,
      );
    }
    if (addresses.length === 0) {
      throw new SourceFetchError('failed', `${hostname} has no addresses`);
    }
  }
  for (const address of addresses) {
    if (!isAllowedAddress(address, policy.allowPrivate)) {
      throw new SourceFetchError(
        'not-allowed',
        `${describeUrl(url)} leads to ${classifyAddress(address)} address ${address}`,
      );
    }
  }
  return { url, hostname, isIpLiteral, addresses };
}
