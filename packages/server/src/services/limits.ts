// Flood control and sign-in pauses on the shared counters (db/repositories/counters.ts).
// Every attempt takes its count before the work starts, refused ones included: checking
// first and counting after let parallel requests all pass the check.
import type { Config } from '../config.ts';
import type { CountersRepository } from '../db/repositories/counters.ts';
import { Refusal } from './errors.ts';
import type { Principal } from './principal.ts';

interface Window {
  limit: number;
  seconds: number;
  unit: string;
}

/** Takes one count in each window of `subject`; throws the refusal of the first one over. */
async function takeAll(
  counters: CountersRepository,
  subject: string,
  windows: Window[],
  now: Date,
): Promise<void> {
  const active = windows.filter((window) => window.limit > 0);
  const taken = await Promise.all(
    active.map((window) => counters.take(subject, window.seconds, now)),
  );
  for (const [i, window] of active.entries()) {
    const { count, resetAt } = taken[i]!;
    if (count > window.limit) {
      throw new Refusal('rate-limited', {
        limit: window.limit,
        unit: window.unit,
        retryAfterSeconds: Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000)),
      });
    }
  }
}

/** Upload flood control: guests per client address, users per user; the admin never. */
export function createFloodControl(deps: { counters: CountersRepository; config: Config }) {
  const { config } = deps;
  return {
    async take(principal: Principal, clientIp: string | null, now: Date): Promise<void> {
      if (principal.kind === 'guest') {
        await takeAll(
          deps.counters,
          `upload:guest:${clientIp ?? 'unknown'}`,
          [
            { limit: config.rateLimitGuestPerMinute, seconds: 60, unit: 'minute' },
            { limit: config.rateLimitGuestPerHour, seconds: 3600, unit: 'hour' },
          ],
          now,
        );
        return;
      }
      if (principal.user.isAdmin) return;
      await takeAll(
        deps.counters,
        `upload:user:${principal.user.id}`,
        [
          { limit: config.rateLimitUserPerMinute, seconds: 60, unit: 'minute' },
          { limit: config.rateLimitUserPerHour, seconds: 3600, unit: 'hour' },
        ],
        now,
      );
    },
  };
}

export type FloodControl = ReturnType<typeof createFloodControl>;

const SIGN_IN_WINDOW = 15 * 60;
export const SIGN_IN_LIMITS = { perAccount: 10, perAddress: 50 } as const;

/**
 * Sign-in attempts: one counter per account (username and e-mail lead to the same one)
 * and one per client address, both taken before the password is checked. A success gives
 * both counts back, so only failures pause an account or an address.
 */
export function createSignInThrottle(deps: { counters: CountersRepository }) {
  const accountSubject = (account: string) => `signin:account:${account}`;
  const addressSubject = (clientIp: string | null) => `signin:address:${clientIp ?? 'unknown'}`;
  return {
    async take(account: string, clientIp: string | null, now: Date): Promise<void> {
      await takeAll(
        deps.counters,
        addressSubject(clientIp),
        [{ limit: SIGN_IN_LIMITS.perAddress, seconds: SIGN_IN_WINDOW, unit: '15 minutes' }],
        now,
      );
      await takeAll(
        deps.counters,
        accountSubject(account),
        [{ limit: SIGN_IN_LIMITS.perAccount, seconds: SIGN_IN_WINDOW, unit: '15 minutes' }],
        now,
      );
    },
    async succeeded(account: string, clientIp: string | null, now: Date): Promise<void> {
      await deps.counters.refund(accountSubject(account), SIGN_IN_WINDOW, now);
      await deps.counters.refund(addressSubject(clientIp), SIGN_IN_WINDOW, now);
    },
  };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
