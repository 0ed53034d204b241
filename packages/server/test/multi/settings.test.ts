// The settings of several instances (README: Configuration, Running several instances):
// read, checked, and a bad value stops the start with a message naming it.
import { describe, expect, test } from 'bun:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { file, png } from '../helpers/images.ts';
import { startTestServer } from '../helpers/server.ts';

describe('multi-instance settings', () => {
  test('database, storage and bucket settings, with the AWS names as fallback', () => {
    expect(loadConfig({})).toMatchObject({
      databaseUrl: undefined,
      storage: 'local',
      s3: undefined,
      publicFilesUrl: undefined,
    });
    const config = loadConfig({
      UPSHOT_DATABASE_URL: 'postgresql://u:p@db:5432/upshot',
      UPSHOT_STORAGE: 's3',
      UPSHOT_S3_BUCKET: 'shots',
      UPSHOT_S3_ENDPOINT: 'http://minio:9000',
      AWS_ACCESS_KEY_ID: 'ak',
      AWS_SECRET_ACCESS_KEY: 'sk',
      UPSHOT_S3_PREFIX: 'upshot',
      UPSHOT_PUBLIC_FILES_URL: 'https://cdn.example.com/',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://u:p@db:5432/upshot',
      storage: 's3',
      publicFilesUrl: 'https://cdn.example.com',
      s3: {
        bucket: 'shots',
        endpoint: 'http://minio:9000',
        region: 'us-east-1',
        accessKeyId: 'ak',
        secretAccessKey: 'sk',
        prefix: 'upshot',
      },
    });
  });

  test('a bad value stops the start with a message naming the setting', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ UPSHOT_DATABASE_URL: 'mysql://u:secret@db/upshot' }, 'UPSHOT_DATABASE_URL'],
      [{ UPSHOT_STORAGE: 'ftp' }, 'UPSHOT_STORAGE'],
      [{ UPSHOT_STORAGE: 's3' }, 'UPSHOT_S3_BUCKET'],
      [
        {
          UPSHOT_STORAGE: 's3',
          UPSHOT_S3_BUCKET: 'bucket',
          UPSHOT_S3_ENDPOINT: 'ftp://minio:9000',
          UPSHOT_S3_ACCESS_KEY_ID: 'ak',
          UPSHOT_S3_SECRET_ACCESS_KEY: 'sk',
        },
        'UPSHOT_S3_ENDPOINT',
      ],
      [{ UPSHOT_PUBLIC_FILES_URL: 'cdn.example.com' }, 'UPSHOT_PUBLIC_FILES_URL'],
    ];
    for (const [env, name] of cases) {
      let message = '';
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect({ name, named: message.includes(name) }).toEqual({ name, named: true });
      // Credentials in a URL are never repeated.
      expect(message).not.toContain('secret');
    }
  });

  test('UPSHOT_PUBLIC_FILES_URL: file URLs in replies start there; pages and viewers stay here', async () => {
    const server = await startTestServer({ UPSHOT_PUBLIC_FILES_URL: 'https://cdn.example.com' });
    try {
      const res = await server.upload({ source: file(await png(640, 400), 'cdn.png') });
      const { image } = await res.json();
      expect(image.url).toStartWith('https://cdn.example.com/images/');
      expect(image.thumb.url).toStartWith('https://cdn.example.com/images/');
      expect(image.url_viewer).toStartWith(server.url);
      expect(image.delete_url).toStartWith(server.url);
      // The instance still serves the same path itself (the CDN's origin).
      expect((await fetch(`${server.url}${new URL(image.url).pathname}`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
