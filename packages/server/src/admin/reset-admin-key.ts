// `bun run upshot-admin reset-admin-key`: a lost admin key (or password) is recovered by
// making a new key. Every live key of the admin is revoked, its password cleared (so the key
// signs in on the page) and its sessions ended; the new key is printed once and only its
// hash is kept (README: Operating Upshot). Works while the server runs.
import { createIdCodec } from '@upshot/schema';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { createRepositories } from '../db/repositories/index.ts';
import { generateUserKey, hashSecret } from '../services/keys.ts';
import { type AdminCommand, UsageError } from './command.ts';

export const resetAdminKey: AdminCommand = {
  name: 'reset-admin-key',
  summary: 'Revoke the admin’s API keys and print a new one (a lost key, or a leaked one)',
  usage: [
    'Usage: bun run upshot-admin reset-admin-key [--user <name>]',
    '',
    'Revokes every API key of the admin account, clears its password and ends its sessions,',
    'then prints a new key, once. Sign in at /signin with the admin’s username and this key',
    'as the password, then set a password in Settings. --user picks another admin account',
    'than the first one.',
  ].join('\n'),

  async run(args: string[], config: Config): Promise<number> {
    let name: string | null = null;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--user' && args[i + 1]) name = args[++i]!;
      else throw new UsageError(`unexpected argument "${args[i]}"`);
    }
    const database = await openDatabase(config);
    try {
      const repos = createRepositories(database);
      const admins = await repos.users.listAdmins();
      const admin = name === null ? admins[0] : admins.find((user) => user.username === name);
      if (!admin) {
        console.error(
          name === null
            ? 'upshot-admin reset-admin-key: no admin account here yet. Start the server once: it creates the admin and prints its key.'
            : `upshot-admin reset-admin-key: no admin account named "${name}".`,
        );
        return 1;
      }
      const salt = config.idSalt ?? (await repos.settings.get('id_salt')) ?? '';
      const key = generateUserKey(createIdCodec(salt, config.idPadding).encode(admin.id));
      const now = new Date();
      const revoked = await repos.keys.revokeAll(admin.id, now);
      await repos.keys.add(admin.id, 'admin (reset-admin-key)', hashSecret(key), now);
      await repos.users.clearPassword(admin.id);
      console.log(
        [
          `New API key of "${admin.username}" (shown only now, keep it safe):`,
          '',
          `  ${key}`,
          '',
          `${revoked} earlier key${revoked === 1 ? ' was' : 's were'} revoked; the password was cleared and every session ended.`,
          `Sign in at ${config.baseUrl}/signin as "${admin.username}" with this key as the password, then set a password in Settings.`,
        ].join('\n'),
      );
      return 0;
    } finally {
      await database.close();
    }
  },
};
