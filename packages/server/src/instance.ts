import { randomBytes } from 'node:crypto';
import { createIdCodec, type IdCodec } from '@upshot/schema';
import type { Config } from './config.ts';
import type { Repository } from './db/repository.ts';
import { generateGuestKey, generateUserKey, hashSecret } from './modules/keys/keys.ts';

/** Values that belong to this instance and must not change across restarts. */
export interface Instance {
  ids: IdCodec;
  guestKey: string;
  /** Signs session tokens and derives CSRF tokens; shared by instances on one database. */
  sessionSecret: string;
  /** Set only on the start that created the admin with a generated key, to print it once. */
  generatedAdminKey: string | null;
}

/**
 * First start draws the id salt, guest key and session secret and creates the admin user;
 * later starts read them back. Settings from the environment win over stored values.
 */
export function initInstance(config: Config, repo: Repository, now = new Date()): Instance {
  const salt = config.idSalt ?? repo.ensureSetting('id_salt', randomBytes(4).toString('hex'));
  const ids = createIdCodec(salt, config.idPadding);
  const guestKey = config.guestKey ?? repo.ensureSetting('guest_key', generateGuestKey());
  const sessionSecret = repo.ensureSetting('session_secret', randomBytes(32).toString('base64url'));
  let generatedAdminKey: string | null = null;
  if (repo.countUsers() === 0) {
    // The admin is user 1, so its generated key can carry its encoded id.
    const key = config.adminKey ?? generateUserKey(ids.encode(1));
    repo.createUserWithKey({
      username: 'admin',
      isAdmin: true,
      keyHash: hashSecret(key),
      keyLabel: 'admin (first start)',
      now,
    });
    if (config.adminKey === undefined) generatedAdminKey = key;
  }
  return { ids, guestKey, sessionSecret, generatedAdminKey };
}
