import type { Repository } from '../../db/repository.ts';
import type { UserRow } from '../../db/schema.ts';
import type { MessageKey } from '../../i18n/index.ts';
import { hashSecret } from '../keys/keys.ts';

export const USERNAME = /^[A-Za-z0-9_-]{3,32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

/** argon2id, as Bun.password makes it (the hash carries its own salt and parameters). */
export const hashPassword = (password: string): Promise<string> =>
  Bun.password.hash(password, { algorithm: 'argon2id' });

/** Verified against when the account is unknown, so both answers take the same time. */
let dummyHash: Promise<string> | null = null;

export type AccountResult = { ok: true; user: UserRow } | { ok: false; error: MessageKey };

/** Sign-up and sign-in rules, without HTTP. */
export function createAccounts(deps: { repo: Repository; now: () => Date }) {
  const { repo } = deps;

  return {
    async register(input: {
      username: string;
      email: string;
      password: string;
    }): Promise<AccountResult> {
      const username = input.username.trim();
      const email = input.email.trim();
      if (!USERNAME.test(username)) return { ok: false, error: 'auth.usernameInvalid' };
      if (email !== '' && (email.length > 254 || !EMAIL.test(email)))
        return { ok: false, error: 'auth.emailInvalid' };
      if (input.password.length < MIN_PASSWORD || input.password.length > MAX_PASSWORD) {
        return { ok: false, error: 'auth.passwordShort' };
      }
      // Usernames are public, so a taken one may say so. An email address that is already
      // registered is not attached (it stays with its owner) and the answer is the same as
      // for a free one, so sign-up never tells whether an address has an account
      // (README: Accounts).
      if (repo.findUserByLogin(username)) return { ok: false, error: 'auth.taken' };
      const freeEmail = email !== '' && !repo.findUserByLogin(email) ? email : null;
      const passwordHash = await hashPassword(input.password);
      const create = (withEmail: string | null) =>
        repo.createUser({ username, email: withEmail, passwordHash, now: deps.now() });
      try {
        return { ok: true, user: create(freeEmail) };
      } catch {
        // Lost a race: the unique index said no to the name, or to the address.
      }
      if (freeEmail === null || repo.findUserByLogin(username)) {
        return { ok: false, error: 'auth.taken' };
      }
      try {
        return { ok: true, user: create(null) };
      } catch {
        return { ok: false, error: 'auth.taken' };
      }
    },

    /**
     * Username or email and password. One answer for every failure (unknown account,
     * wrong password, banned), so it says nothing about which part was wrong. An account
     * without a password (the admin made at first start) signs in with one of its API keys.
     */
    async signIn(login: string, password: string): Promise<AccountResult> {
      const user = login.trim() === '' ? null : repo.findUserByLogin(login);
      const wrong = { ok: false, error: 'auth.wrong' } as const;
      if (password === '' || password.length > MAX_PASSWORD) return wrong;
      if (!user || user.isBanned) {
        dummyHash ??= hashPassword('not a password of anyone');
        await Bun.password.verify(password, await dummyHash);
        return wrong;
      }
      if (user.passwordHash === null) {
        const key = repo.findApiKey(hashSecret(password));
        return key && key.user.id === user.id ? { ok: true, user } : wrong;
      }
      return (await Bun.password.verify(password, user.passwordHash)) ? { ok: true, user } : wrong;
    },

    /** Changes the password; an account that has none yet needs no current one. */
    async changePassword(user: UserRow, current: string, next: string): Promise<MessageKey | null> {
      if (user.passwordHash !== null && !(await Bun.password.verify(current, user.passwordHash))) {
        return 'settings.passwordWrong';
      }
      if (next.length < MIN_PASSWORD || next.length > MAX_PASSWORD) return 'auth.passwordShort';
      repo.setPasswordHash(user.id, await hashPassword(next));
      return null;
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
