// What keeps a site imported from Chevereto working (README: Moving from Chevereto):
// Chevereto's bcrypt hashes of passwords, API keys and delete passwords are verified as
// PHP's password_verify does, and an imported key is found by its Chevereto id until its
// first use, after which it is found by its SHA-256 like any Upshot key.
import type { IdCodec } from '@upshot/schema';
import type { Repositories } from '../db/repositories/index.ts';
import type { ApiKeyRow, UserRow } from '../db/schema/index.ts';
import { hashSecret } from './keys.ts';

const BCRYPT = /^\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}$/;
/** PHP's bcrypt reads only the first 72 bytes of a secret. */
const BCRYPT_MAX_BYTES = 72;

export const isBcryptHash = (hash: string): boolean => BCRYPT.test(hash);

/**
 * Verifies a secret against a stored hash: argon2id (Upshot's own) or bcrypt (imported).
 * For bcrypt the secret is cut to its first 72 bytes, as PHP does; Bun would hash a
 * longer one first, and Chevereto's API keys are longer.
 */
export function verifySecret(secret: string, hash: string): Promise<boolean> {
  if (!isBcryptHash(hash)) return Bun.password.verify(secret, hash);
  const bytes = new TextEncoder().encode(secret);
  return Bun.password.verify(
    bytes.byteLength > BCRYPT_MAX_BYTES ? bytes.subarray(0, BCRYPT_MAX_BYTES) : bytes,
    hash,
  );
}

/** `chv_<encoded key id>_<random>`, as Chevereto makes them. */
const CHEVERETO_KEY = /^chv_([A-Za-z0-9]{1,16})_([!-~]{1,512})$/;
/** Delete passwords are 48 random characters; anything URL-safe is looked at. */
const DELETE_PASSWORD = /^[A-Za-z0-9._~-]{8,128}$/;

export interface Chevereto {
  /** The imported key this is, and its user; null for anything else. */
  findKey(key: string): Promise<{ key: ApiKeyRow; user: UserRow } | null>;
  /** Whether this is the delete password Chevereto gave for the image. */
  verifyDeletePassword(imageId: number, password: string): Promise<boolean>;
}

export function createChevereto(deps: {
  repos: Pick<Repositories, 'chevereto'>;
  ids: IdCodec;
}): Chevereto {
  const { repos, ids } = deps;
  return {
    async findKey(key) {
      const match = CHEVERETO_KEY.exec(key);
      const sourceId = match?.[1] ? ids.decode(match[1]) : null;
      if (sourceId === null) return null;
      // Only a key not used since the import has a bcrypt hash to check: once used, it is
      // found by its SHA-256 and any other key with its id is simply unknown.
      const pending = await repos.chevereto.findPendingKey(sourceId);
      if (!pending?.secret || !(await verifySecret(key, pending.secret))) return null;
      const keyHash = hashSecret(key);
      await repos.chevereto.settleKey(sourceId, pending.key.id, keyHash);
      return { key: { ...pending.key, keyHash }, user: pending.user };
    },

    async verifyDeletePassword(imageId, password) {
      if (!DELETE_PASSWORD.test(password)) return false;
      const hash = await repos.chevereto.deleteHash(imageId);
      return hash !== null && isBcryptHash(hash) && verifySecret(password, hash);
    },
  };
}
