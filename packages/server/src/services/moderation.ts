// What the admin does to users and content (README: Administration), without HTTP: the
// pages in web/admin/ call these. Tokens of invitations and reset links are shown once and
// kept only as hashes, like API keys.
import { randomText } from '../crypto.ts';
import type { Repositories } from '../db/repositories/index.ts';
import type { ImageRow, UserRow } from '../db/schema/index.ts';
import { hashPassword, MIN_PASSWORD } from './accounts/accounts.ts';
import type { ImageDeleter } from './images/deleter.ts';
import { hashSecret } from './keys.ts';

/** How long an invitation and a password reset link work. */
export const INVITE_TTL_MS = 7 * 86_400_000;
export const RESET_TTL_MS = 86_400_000;
/** Images deleted per round when a user goes, so no round holds much in memory. */
const DELETE_BATCH = 200;

const newToken = (): string => randomText(24, 'base64url');
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32}$/;

export function createModeration(deps: {
  repos: Pick<Repositories, 'users' | 'images' | 'addresses'>;
  deleter: ImageDeleter;
  now: () => Date;
}) {
  const { repos, deleter } = deps;

  return {
    /** Bans (every session ends, every key is refused) or unbans. The admin cannot be banned. */
    async setBanned(user: UserRow, banned: boolean): Promise<boolean> {
      if (user.isAdmin) return false;
      await repos.users.setBanned(user.id, banned);
      return true;
    },

    /** MB, or null for the instance default. */
    setQuota: (user: UserRow, quotaMb: number | null) => repos.users.setQuota(user.id, quotaMb),

    /** Deletes the user and every image of theirs (files queued for removal). Not the admin. */
    async deleteUser(user: UserRow): Promise<number | null> {
      if (user.isAdmin) return null;
      // Banned first: no upload can land while the images go.
      await repos.users.setBanned(user.id, true);
      let removed = 0;
      for (;;) {
        const batch = await repos.images.listAllOf(user.id, DELETE_BATCH);
        if (batch.length === 0) break;
        for (const row of batch) if (await deleter.delete(row)) removed++;
      }
      await repos.users.remove(user.id);
      return removed;
    },

    /** Deletes images, whoever owns them; returns how many went. */
    async deleteImages(rows: ImageRow[]): Promise<number> {
      let removed = 0;
      for (const row of rows) if (await deleter.delete(row)) removed++;
      return removed;
    },

    /** A new invitation; the returned token is shown once (in the link). */
    async invite(by: UserRow, note: string | null): Promise<string> {
      const token = newToken();
      const now = deps.now();
      await repos.users.createInvite({
        tokenHash: hashSecret(token),
        createdBy: by.id,
        note,
        now,
        expiresAt: new Date(now.getTime() + INVITE_TTL_MS),
      });
      return token;
    },

    /** The open invitation a link's token names, or null. */
    findInvite: (token: string) =>
      TOKEN_SHAPE.test(token)
        ? repos.users.findInvite(hashSecret(token), deps.now())
        : Promise.resolve(null),

    /** A new one-time password reset link token for the user (earlier ones stop working). */
    async resetLink(user: UserRow): Promise<string> {
      const token = newToken();
      const now = deps.now();
      await repos.users.createPasswordReset({
        userId: user.id,
        tokenHash: hashSecret(token),
        now,
        expiresAt: new Date(now.getTime() + RESET_TTL_MS),
      });
      return token;
    },

    /** The open reset a link's token names, with its user, or null. */
    findReset: (token: string) =>
      TOKEN_SHAPE.test(token)
        ? repos.users.findPasswordReset(hashSecret(token), deps.now())
        : Promise.resolve(null),

    /**
     * Sets a new password through a reset link: once only, and every session of the user
     * ends. 'password-short', 'used' (the link is gone), or null when done.
     */
    async completeReset(
      token: string,
      password: string,
    ): Promise<'password-short' | 'used' | null> {
      const found = TOKEN_SHAPE.test(token)
        ? await repos.users.findPasswordReset(hashSecret(token), deps.now())
        : null;
      if (!found) return 'used';
      if (password.length < MIN_PASSWORD || password.length > 1024) return 'password-short';
      const done = await repos.users.completePasswordReset({
        resetId: found.reset.id,
        passwordHash: await hashPassword(password),
        now: deps.now(),
      });
      return done ? null : 'used';
    },

    banAddress: (address: string, note: string | null) =>
      repos.addresses.ban(address, note, deps.now()),
    unbanAddress: (address: string) => repos.addresses.unban(address),
  };
}

export type Moderation = ReturnType<typeof createModeration>;
