// Chevereto's hashes are PHP's bcrypt: `$2y$`, and only a secret's first 72 bytes count.
import { describe, expect, test } from 'bun:test';
import { mapPrivacy } from '../../src/admin/import-chevereto/mapping.ts';
import { isBcryptHash, verifySecret } from '../../src/services/chevereto.ts';

describe('verifySecret', () => {
  test('a hash made by PHP (its manual: password_hash("rasmuslerdorf")) verifies', async () => {
    const php = '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a';
    expect(isBcryptHash(php)).toBe(true);
    expect(await verifySecret('rasmuslerdorf', php)).toBe(true);
    expect(await verifySecret('rasmuslerdorF', php)).toBe(false);
  });

  test('a secret longer than 72 bytes is checked on its first 72, as PHP does', async () => {
    const key = `chv_abc_${'k'.repeat(64)}${'z'.repeat(64)}`;
    // What PHP stores for the whole key is the hash of its first 72 bytes.
    const stored = (
      await Bun.password.hash(key.slice(0, 72), { algorithm: 'bcrypt', cost: 4 })
    ).replace(/^\$2b\$/, '$2y$');
    expect(await verifySecret(key, stored)).toBe(true);
    expect(await verifySecret(key.slice(0, 71), stored)).toBe(false);
    // Bun alone would hash the long key first and say no.
    expect(await Bun.password.verify(key, stored)).toBe(false);
  });

  test("Upshot's own argon2id hashes verify as before", async () => {
    const hash = await Bun.password.hash('a long password', { algorithm: 'argon2id' });
    expect(isBcryptHash(hash)).toBe(false);
    expect(await verifySecret('a long password', hash)).toBe(true);
    expect(await verifySecret('another', hash)).toBe(false);
  });
});

describe('album privacy', () => {
  test('nothing protected becomes visible', () => {
    expect(mapPrivacy('public')).toEqual({ privacy: 'public', mappedFrom: null });
    expect(mapPrivacy('private_but_link')).toEqual({ privacy: 'unlisted', mappedFrom: null });
    expect(mapPrivacy('private')).toEqual({ privacy: 'private', mappedFrom: null });
    expect(mapPrivacy('password')).toEqual({ privacy: 'private', mappedFrom: 'password' });
    expect(mapPrivacy('custom')).toEqual({ privacy: 'private', mappedFrom: 'custom' });
    expect(() => mapPrivacy('friends')).toThrow(/album_privacy "friends" is unknown/);
  });
});
