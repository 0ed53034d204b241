import { createIdCodec, type IdCodec } from '@upshot/schema';
import type { Config } from '../config.ts';
import { randomText } from '../crypto.ts';
import type { Repositories } from '../db/repositories/index.ts';
import { generateGuestKey, generateUserKey, hashSecret } from './keys.ts';

/** Values that belong to this instance and must not change across restarts. */
export interface Instance {
  ids: IdCodec;
  guestKey: string;
  /** Signs session tokens and derives CSRF tokens; shared by instances on one database. */
  sessionSecret: string;
  /** Set only on the start that created the admin with a generated key, to print it once. */
  generatedAdminKey: string | null;
  /**
   * UPSHOT_ADMIN_KEY is set but is no key of anyone: it only counts at first start, so
   * the start says so rather than ignore it silently.
   */
  adminKeyIgnored: boolean;
}

/**
 * First start draws the id salt, guest key and session secret and creates the admin user;
 * later starts read them back. Settings from the environment win over stored values.
 * Every value is kept in the database, so instances sharing it agree.
 */
export async function initInstance(
  config: Config,
  repos: Pick<Repositories, 'settings' | 'users' | 'keys'>,
  now = new Date(),
): Promise<Instance> {
  // Drawn and stored in one commit on a first start; read back on later ones. Values set
  // in the environment win and are not stored.
  const stored = await repos.settings.ensureAll({
    ...(config.idSalt === undefined ? { id_salt: randomText(4) } : {}),
    ...(config.guestKey === undefined ? { guest_key: generateGuestKey() } : {}),
    session_secret: randomText(32, 'base64url'),
  });
  const ids = createIdCodec(config.idSalt ?? stored.id_salt!, config.idPadding);
  const guestKey = config.guestKey ?? stored.guest_key!;
  const sessionSecret = stored.session_secret!;
  let generatedAdminKey: string | null = null;
  let created = false;
  // Several instances may start at once on an empty database: the first to create the
  // admin wins (its name is unique), the others carry on without printing a key.
  if ((await repos.users.count()) === 0) {
    // The admin is user 1, so its generated key can carry its encoded id.
    const key = config.adminKey ?? generateUserKey(ids.encode(1));
    created = await repos.users
      .createWithKey({
        username: 'admin',
        isAdmin: true,
        keyHash: hashSecret(key),
        keyLabel: 'admin (first start)',
        now,
      })
      .then(
        () => true,
        () => false,
      );
    if (created && config.adminKey === undefined) generatedAdminKey = key;
  }
  const adminKeyIgnored =
    config.adminKey !== undefined &&
    !created &&
    (await repos.keys.find(hashSecret(config.adminKey))) === null;
  return { ids, guestKey, sessionSecret, generatedAdminKey, adminKeyIgnored };
}
