import { describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  test('defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: resolve('./data'),
      baseUrl: 'http://localhost:8080',
      adminKey: undefined,
      guestKey: undefined,
      guestUploads: true,
      idPadding: 999,
      maxUploadMbGuest: 10,
      maxUploadMbUser: 100,
      maxPixels: 100_000_000,
      fetchAllowPrivate: false,
      guestExpiration: 'P1D',
      stripGps: true,
    });
    expect(config.mediaConcurrency).toBeGreaterThanOrEqual(1);
  });

  test('values from the environment', () => {
    const config = loadConfig({
      PORT: '9000',
      UPSHOT_BASE_URL: 'https://img.example.com/',
      UPSHOT_GUEST_UPLOADS: 'false',
      UPSHOT_ID_SALT: 'abc',
      UPSHOT_ID_PADDING: '0',
      UPSHOT_MAX_UPLOAD_MB_GUEST: '2.5',
      UPSHOT_FETCH_ALLOW_PRIVATE: 'true',
      UPSHOT_ADMIN_KEY: 'a'.repeat(32),
    });
    expect(config).toMatchObject({
      port: 9000,
      baseUrl: 'https://img.example.com',
      guestUploads: false,
      idSalt: 'abc',
      idPadding: 0,
      maxUploadMbGuest: 2.5,
      fetchAllowPrivate: true,
      adminKey: 'a'.repeat(32),
    });
    expect(loadConfig({ PORT: '9000' }).baseUrl).toBe('http://localhost:9000');
  });

  test('a bad value stops the start with a message naming the setting', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: 'eighty' }, /^PORT="eighty" is not valid: expected a whole number/],
      [{ PORT: '70000' }, /^PORT=/],
      [{ UPSHOT_BASE_URL: 'ftp://x' }, /^UPSHOT_BASE_URL=/],
      [
        { UPSHOT_GUEST_UPLOADS: 'maybe' },
        /^UPSHOT_GUEST_UPLOADS="maybe" is not valid: expected true or false/,
      ],
      [{ UPSHOT_MAX_UPLOAD_MB_USER: '-1' }, /^UPSHOT_MAX_UPLOAD_MB_USER=/],
      [{ UPSHOT_GUEST_EXPIRATION: 'tomorrow' }, /^UPSHOT_GUEST_EXPIRATION=/],
      [
        { UPSHOT_ADMIN_KEY: 'short' },
        /^UPSHOT_ADMIN_KEY="<hidden>" is not valid: expected a key of 32 characters or more/,
      ],
    ];
    for (const [env, message] of cases) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    }
  });

  test('a bad admin key is never echoed', () => {
    try {
      loadConfig({ UPSHOT_ADMIN_KEY: 'secret-but-short' });
      throw new Error('should have thrown');
    } catch (error) {
      expect(String(error)).not.toContain('secret-but-short');
    }
  });
});
