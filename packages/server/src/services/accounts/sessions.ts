import type { Config } from '../../config.ts';
import { hmacSha256, randomText, timingSafeEqual } from '../../crypto.ts';
import type { Repositories } from '../../db/repositories/index.ts';
import type { ImageRow, SessionRow, UserRow } from '../../db/schema/index.ts';
import { hashSecret, safeEqual } from '../keys.ts';
import type { Principal } from '../principal.ts';

export const SESSION_COOKIE = 'upshot_session';
/** The Secure cookie's name: `__Host-` makes browsers refuse it from sibling subdomains. */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = 'csrf_token';
const SESSION_SECONDS = 30 * 24 * 3600;
/** `<random>.<mac>`, both 32 bytes in base64url. */
const TOKEN_SHAPE = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/**
 * The browser session of a request. Every visitor has a session token in an HttpOnly
 * cookie (drawn on the first page); a database row (kept by the token's hash) exists only
 * once the visitor signs in or uploads as a guest from the page. Tokens carry an HMAC
 * under the instance's session secret, so a cookie the server never issued (planted by
 * someone else) is ignored. The CSRF token is an HMAC of the session token under the same
 * secret, so forms and the uploader can prove they come from our pages, and nobody who
 * only knows the cookie can compute it.
 */
export interface WebSession {
  token: string;
  /** The cookie must be (re)set on the response. */
  isNew: boolean;
  row: SessionRow | null;
  user: UserRow | null;
  csrf: string;
}

export function parseCookies(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

const hmac = (secret: string, data: string): string =>
  hmacSha256(secret, data).toString('base64url');

export function createSessions(deps: {
  config: Config;
  repos: Pick<Repositories, 'users' | 'images'>;
  /** The instance's session secret (Instance.sessionSecret). */
  secret: string;
  now: () => Date;
}) {
  const { config, repos, secret } = deps;
  const secure = config.cookieSecure;
  const cookieName = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;

  const newToken = (): string => {
    const random = randomText(32, 'base64url');
    return `${random}.${hmac(secret, `session:${random}`)}`;
  };
  /** True for a token this server issued: well-formed, with a valid MAC (constant time). */
  const issued = (token: string): boolean => {
    const parts = TOKEN_SHAPE.exec(token);
    if (!parts) return false;
    const expected = Buffer.from(hmac(secret, `session:${parts[1]}`));
    const given = Buffer.from(parts[2] ?? '');
    return timingSafeEqual(given, expected);
  };
  const csrfFor = (token: string): string => hmac(secret, `csrf:${token}`);

  function fresh(): WebSession {
    const token = newToken();
    return { token, isNew: true, row: null, user: null, csrf: csrfFor(token) };
  }

  return {
    /** The session of a request; a fresh one when it carries none. */
    async read(request: Request): Promise<WebSession> {
      const token = parseCookies(request.headers.get('cookie')).get(cookieName) ?? '';
      if (!issued(token)) return fresh();
      const found = await repos.users.findSession(hashSecret(token), deps.now());
      // A banned user is signed out at once, whatever their cookie (README: Administration).
      if (found?.user?.isBanned) {
        await repos.users.deleteSession(found.session.id);
        return fresh();
      }
      return {
        token,
        isNew: false,
        row: found?.session ?? null,
        user: found?.user ?? null,
        csrf: csrfFor(token),
      };
    },

    /** True when the form field or header holds this session's CSRF token. */
    checkCsrf(session: WebSession, provided: unknown): boolean {
      return (
        !session.isNew &&
        typeof provided === 'string' &&
        provided !== '' &&
        safeEqual(provided, session.csrf)
      );
    },

    /** `__Host-` when Secure: it then needs Path=/ and no Domain, which it has. */
    cookie(session: WebSession): string {
      return `${cookieName}=${session.token}; Path=/; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
    },

    /**
     * Signs the user in with a new token (no fixation). Guest uploads tracked in the old
     * session become the user's and stop expiring. Returns the new session and the count.
     */
    async signIn(
      old: WebSession,
      user: UserRow,
    ): Promise<{ session: WebSession; claimed: number }> {
      const now = deps.now();
      let claimed = 0;
      if (old.row) {
        if (old.row.userId === null) {
          claimed = await repos.images.claimSessionImages(old.row.id, user.id);
        }
        await repos.users.deleteSession(old.row.id);
      }
      const token = newToken();
      const row = await repos.users.createSession({
        tokenHash: hashSecret(token),
        userId: user.id,
        now,
        expiresAt: new Date(now.getTime() + SESSION_SECONDS * 1000),
      });
      return { session: { token, isNew: true, row, user, csrf: csrfFor(token) }, claimed };
    },

    /** Ends the session; the browser gets a fresh anonymous token. */
    async signOut(session: WebSession): Promise<WebSession> {
      if (session.row) await repos.users.deleteSession(session.row.id);
      return fresh();
    },

    /** The stored row of a guest session, created on its first page upload. */
    async guestRow(session: WebSession): Promise<SessionRow> {
      if (session.row) return session.row;
      const now = deps.now();
      const row = await repos.users.ensureGuestSession({
        tokenHash: hashSecret(session.token),
        now,
        expiresAt: new Date(now.getTime() + SESSION_SECONDS * 1000),
      });
      session.row = row;
      return row;
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;

/** Why a page upload was refused: its CSRF header does not match the session. */
export class InvalidCsrfError extends Error {
  override name = 'InvalidCsrfError';
}

/** The uploader page's authentication on /api/1/upload: session cookie + CSRF header. */
export function createSessionUploadAuth(deps: {
  sessions: Sessions;
  repos: Pick<Repositories, 'images'>;
}) {
  const { sessions, repos } = deps;
  return async (
    request: Request,
  ): Promise<{ principal: Principal; uploaded(row: ImageRow): Promise<void> }> => {
    const session = await sessions.read(request);
    if (!sessions.checkCsrf(session, request.headers.get(CSRF_HEADER))) {
      throw new InvalidCsrfError();
    }
    if (session.user) {
      return { principal: { kind: 'user', user: session.user, keyId: null }, async uploaded() {} };
    }
    return {
      principal: { kind: 'guest' },
      async uploaded(row) {
        // Remember the guest's upload, so signing up or in from this browser claims it.
        if (row.userId === null) {
          await repos.images.trackSessionImage((await sessions.guestRow(session)).id, row.id);
        }
      },
    };
  };
}
