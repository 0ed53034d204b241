import { ApiErrors } from '@upshot/schema';
import type { Repository } from '../../db/repository.ts';
import type { UserRow } from '../../db/schema.ts';
import { ApiError } from '../../http/api-error.ts';
import { hashSecret } from './keys.ts';

/** Who an API call acts for; keyId is null when a signed-in page uploads with its session. */
export type Principal = { kind: 'guest' } | { kind: 'user'; user: UserRow; keyId: number | null };

/**
 * Resolves the API key: the X-API-Key header wins over the `key` parameter and an empty
 * header counts as none. Throws the contract's 401 for a missing or unknown key.
 */
export function resolvePrincipal(
  repo: Repository,
  guestKey: string,
  headerKey: string | null,
  paramKey: string | undefined,
  now: Date,
): Principal {
  const key = headerKey?.trim() || paramKey?.trim() || '';
  if (key === '') throw new ApiError(ApiErrors.noKey);
  if (timingSafeEqualText(key, guestKey)) return { kind: 'guest' };
  const found = repo.findApiKey(hashSecret(key));
  if (!found) throw new ApiError(ApiErrors.invalidKey);
  repo.touchApiKey(found.key.id, now);
  return { kind: 'user', user: found.user, keyId: found.key.id };
}

function timingSafeEqualText(a: string, b: string): boolean {
  const ha = hashSecret(a);
  const hb = hashSecret(b);
  let diff = 0;
  for (let i = 0; i < ha.length; i++) diff |= ha.charCodeAt(i) ^ hb.charCodeAt(i);
  return diff === 0;
}
