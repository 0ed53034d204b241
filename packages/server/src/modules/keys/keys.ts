import { createHash, randomBytes } from 'node:crypto';

/** Keys are stored only as this hash, and looked up by it. */
export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex');

/** A user key as Chevereto makes them: chv_<encoded user id>_<random hex>. */
export const generateUserKey = (encodedUserId: string): string =>
  `chv_${encodedUserId}_${randomBytes(32).toString('hex')}`;

export const generateGuestKey = (): string => randomBytes(32).toString('hex');

export const generateDeleteToken = (): string => randomBytes(24).toString('hex');
