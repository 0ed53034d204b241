import type { Repositories } from '../db/repositories/index.ts';
import { TOUCH_EVERY_MS } from '../db/repositories/keys.ts';
import type { UserRow } from '../db/schema/index.ts';
import type { Chevereto } from './chevereto.ts';
import { hashSecret, safeEqual } from './keys.ts';

/** Who a request acts for; keyId is null when a signed-in page uploads with its session. */
export type Principal = { kind: 'guest' } | { kind: 'user'; user: UserRow; keyId: number | null };

export type KeyLookup =
  | { found: Principal }
  | { missing: true }
  /** A key was given and is neither the guest key nor a live user key. */
  | { unknown: true };

/**
 * Resolves an API key: the X-API-Key header wins over the `key` parameter and an empty
 * header counts as none. A user key's last use is recorded in the background: a full
 * disk must not turn every keyed request into an error.
 */
export async function resolveKey(
  repos: Pick<Repositories, 'keys'>,
  guestKey: string,
  candidates: Array<string | null | undefined>,
  now: Date,
  /** Keys imported from Chevereto, found by their id until first used (services/chevereto.ts). */
  chevereto?: Pick<Chevereto, 'findKey'>,
): Promise<KeyLookup> {
  const key = candidates.map((value) => value?.trim() ?? '').find((value) => value !== '') ?? '';
  if (key === '') return { missing: true };
  if (safeEqual(key, guestKey)) return { found: { kind: 'guest' } };
  const found = (await repos.keys.find(hashSecret(key))) ?? (await chevereto?.findKey(key)) ?? null;
  if (!found) return { unknown: true };
  // Written at most once a minute: most requests skip the write (and its round trip).
  const lastUsed = found.key.lastUsedAt?.getTime() ?? null;
  if (lastUsed === null || now.getTime() - lastUsed >= TOUCH_EVERY_MS) {
    void repos.keys.touch(found.key.id, now).catch(() => {});
  }
  return { found: { kind: 'user', user: found.user, keyId: found.key.id } };
}
