import type { Repositories } from '../../db/repositories/index.ts';
import type { UserRow } from '../../db/schema/index.ts';
import { isBcryptHash, verifySecret } from '../chevereto.ts';
import { hashSecret } from '../keys.ts';
import type { SignInThrottle } from '../limits.ts';

export const USERNAME = /^[A-Za-z0-9_-]{3,32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

/** argon2id, as Bun.password makes it (the hash carries its own salt and parameters). */
export const hashPassword = (password: string): Promise<string> =>
  Bun.password.hash(password, { algorithm: 'argon2id' });

/** Verified against when the account is unknown, so both answers take the same time. */
let dummyHash: Promise<string> | null = null;

/** Why an account action failed; the pages say it in the reader's language. */
export type AccountError =
  | 'username-invalid'
  | 'email-invalid'
  | 'password-short'
  | 'username-taken'
  | 'wrong'
  | 'current-password-wrong'
  | 'signups-closed'
  | 'invite-invalid';

export type AccountResult = { ok: true; user: UserRow } | { ok: false; error: AccountError };

/** Sign-up and sign-in rules, without HTTP. */
export function createAccounts(deps: {
  repos: Pick<Repositories, 'users' | 'keys'>;
  throttle: SignInThrottle;
  now: () => Date;
  /** UPSHOT_SIGNUPS: open to anyone, by an admin's invitation only, or closed. */
  signups?: 'open' | 'invite' | 'closed';
}) {
  const { repos } = deps;
  const signups = deps.signups ?? 'open';

  async function createAccount(input: {
    username: string;
    email: string;
    password: string;
  }): Promise<AccountResult> {
    const username = input.username.trim();
    const email = input.email.trim();
    if (!USERNAME.test(username)) return { ok: false, error: 'username-invalid' };
    if (email !== '' && (email.length > 254 || !EMAIL.test(email)))
      return { ok: false, error: 'email-invalid' };
    if (input.password.length < MIN_PASSWORD || input.password.length > MAX_PASSWORD) {
      return { ok: false, error: 'password-short' };
    }
    // Usernames are public, so a taken one may say so. An email address that is already
    // registered is not attached (it stays with its owner) and the answer is the same as
    // for a free one, so sign-up never tells whether an address has an account
    // (README: Accounts).
    if (await repos.users.findByLogin(username)) return { ok: false, error: 'username-taken' };
    const freeEmail = email !== '' && !(await repos.users.findByLogin(email)) ? email : null;
    const passwordHash = await hashPassword(input.password);
    const create = (withEmail: string | null) =>
      repos.users.create({ username, email: withEmail, passwordHash, now: deps.now() });
    try {
      return { ok: true, user: await create(freeEmail) };
    } catch {
      // Lost a race: the unique index said no to the name, or to the address.
    }
    if (freeEmail === null || (await repos.users.findByLogin(username))) {
      return { ok: false, error: 'username-taken' };
    }
    try {
      return { ok: true, user: await create(null) };
    } catch {
      return { ok: false, error: 'username-taken' };
    }
  }

  return {
    /** UPSHOT_SIGNUPS, for the pages to say what sign-up needs. */
    signups,

    /**
     * Creates an account when sign-ups allow it: open, or by invitation with the token of
     * an unused, unexpired invitation link, which the new account uses up (README:
     * Administration). A failed sign-up gives the invitation back.
     */
    async register(input: {
      username: string;
      email: string;
      password: string;
      invite?: string;
    }): Promise<AccountResult> {
      if (signups === 'closed') return { ok: false, error: 'signups-closed' };
      if (signups === 'open') return createAccount(input);
      const token = input.invite ?? '';
      const invite = /^[A-Za-z0-9_-]{32}$/.test(token)
        ? await repos.users.findInvite(hashSecret(token), deps.now())
        : null;
      if (!invite || !(await repos.users.takeInvite(invite.id, deps.now()))) {
        return { ok: false, error: 'invite-invalid' };
      }
      const result = await createAccount(input);
      if (result.ok) await repos.users.markInviteUsedBy(invite.id, result.user.id);
      else await repos.users.releaseInvite(invite.id);
      return result;
    },

    /**
     * Username or email and password. One answer for every failure (unknown account,
     * wrong password, banned), so it says nothing about which part was wrong. An account
     * without a password (the admin made at first start) signs in with one of its API keys.
     * The attempt is counted before the password is checked (services/limits.ts); past the
     * limit it throws Refusal('rate-limited') whatever the password.
     */
    async signIn(login: string, password: string, clientIp: string | null): Promise<AccountResult> {
      const user = login.trim() === '' ? null : await repos.users.findByLogin(login);
      // The username and the e-mail of one account share its counter.
      const account = user ? `user:${user.id}` : `login:${login.trim().toLowerCase()}`;
      const now = deps.now();
      await deps.throttle.take(account, clientIp, now);
      const wrong = { ok: false, error: 'wrong' } as const;
      const verified = await (async () => {
        if (password === '' || password.length > MAX_PASSWORD) return false;
        if (!user || user.isBanned) {
          dummyHash ??= hashPassword('not a password of anyone');
          await Bun.password.verify(password, await dummyHash);
          return false;
        }
        if (user.passwordHash === null) {
          const key = await repos.keys.find(hashSecret(password));
          return key !== null && key.user.id === user.id;
        }
        return verifySecret(password, user.passwordHash);
      })();
      if (!verified || !user) return wrong;
      // A password imported from Chevereto (bcrypt) is stored again as argon2id.
      if (user.passwordHash !== null && isBcryptHash(user.passwordHash)) {
        await repos.users.setPasswordHash(user.id, await hashPassword(password));
      }
      await deps.throttle.succeeded(account, clientIp, now);
      return { ok: true, user };
    },

    /** Changes the password; an account that has none yet needs no current one. */
    async changePassword(
      user: UserRow,
      current: string,
      next: string,
    ): Promise<AccountError | null> {
      if (user.passwordHash !== null && !(await verifySecret(current, user.passwordHash))) {
        return 'current-password-wrong';
      }
      if (next.length < MIN_PASSWORD || next.length > MAX_PASSWORD) return 'password-short';
      await repos.users.setPasswordHash(user.id, await hashPassword(next));
      return null;
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
