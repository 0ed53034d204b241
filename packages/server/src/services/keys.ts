import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Keys and tokens are stored only as this hash, and looked up by it. */
export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex');

/** Compares two secrets in constant time (their hashes have one length). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(hashSecret(a)), Buffer.from(hashSecret(b)));
}

/** A user key as Chevereto makes them: chv_<encoded user id>_<random hex>. */
export const generateUserKey = (encodedUserId: string): string =>
  `chv_${encodedUserId}_${randomBytes(32).toString('hex')}`;

export const generateGuestKey = (): string => randomBytes(32).toString('hex');

export const generateDeleteToken = (): string => randomBytes(24).toString('hex');
