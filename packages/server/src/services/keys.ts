import { randomText, sha256Hex, timingSafeEqual } from '../crypto.ts';

/** Keys and tokens are stored only as this hash, and looked up by it. */
export const hashSecret = (secret: string): string => sha256Hex(secret);

/** Compares two secrets in constant time (their hashes have one length). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(hashSecret(a)), Buffer.from(hashSecret(b)));
}

/** A user key as Chevereto makes them: chv_<encoded user id>_<random hex>. */
export const generateUserKey = (encodedUserId: string): string =>
  `chv_${encodedUserId}_${randomText(32)}`;

export const generateGuestKey = (): string => randomText(32);

export const generateDeleteToken = (): string => randomText(24);
