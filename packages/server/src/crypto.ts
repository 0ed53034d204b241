/**
 * Random tokens, digests and comparisons on Bun's native crypto (the global Web Crypto
 * object and Bun.CryptoHasher). The server does not load node:crypto, whose JavaScript
 * layer costs about 19 ms of every start (README: Performance).
 */

/** `bytes` random bytes as text. */
export const randomText = (bytes: number, encoding: 'hex' | 'base64url' = 'hex'): string =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString(encoding);

export const sha256 = (data: string | Uint8Array): Buffer =>
  new Bun.CryptoHasher('sha256').update(data).digest();

export const sha256Hex = (data: string | Uint8Array): string =>
  new Bun.CryptoHasher('sha256').update(data).digest('hex');

export const hmacSha256 = (key: string, data: string): Buffer =>
  new Bun.CryptoHasher('sha256', key).update(data).digest();

/** An incremental MD5, for the checksum a file is answered with (`source_md5`). */
export const md5Hasher = (): Bun.CryptoHasher => new Bun.CryptoHasher('md5');

/** Equal bytes, compared in a time that does not depend on where they differ. */
export const timingSafeEqual = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && crypto.timingSafeEqual(a, b);
