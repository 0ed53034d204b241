import { describe, expect, test } from 'bun:test';
import { s3OptionsFromEnv } from '../../src/config/s3.ts';

const keys = { UPSHOT_S3_ACCESS_KEY_ID: 'id', UPSHOT_S3_SECRET_ACCESS_KEY: 'secret' };

describe('S3 settings from the environment', () => {
  test('a bucket and keys are enough: us-east-1, AWS endpoint, no prefix, default timeout', () => {
    expect(s3OptionsFromEnv({ UPSHOT_S3_BUCKET: 'media', ...keys })).toEqual({
      bucket: 'media',
      region: 'us-east-1',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
    });
  });

  test('every UPSHOT_S3_* setting is read', () => {
    expect(
      s3OptionsFromEnv({
        UPSHOT_S3_ENDPOINT: 'http://127.0.0.1:9000/',
        UPSHOT_S3_BUCKET: 'media',
        UPSHOT_S3_REGION: 'auto',
        ...keys,
        UPSHOT_S3_PREFIX: '/upshot/prod/',
        UPSHOT_STORAGE_TIMEOUT_S: '2.5',
      }),
    ).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'media',
      region: 'auto',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      prefix: 'upshot/prod',
      timeoutMs: 2500,
    });
  });

  test('the standard AWS variables are read when the UPSHOT_S3_* ones are not set', () => {
    const options = s3OptionsFromEnv({
      UPSHOT_S3_BUCKET: 'media',
      AWS_ACCESS_KEY_ID: 'aws-id',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      AWS_REGION: 'eu-west-3',
      AWS_DEFAULT_REGION: 'us-west-2',
      AWS_ENDPOINT_URL: 'https://generic.example',
      AWS_ENDPOINT_URL_S3: 'https://s3.example',
    });
    expect(options).toEqual({
      bucket: 'media',
      region: 'eu-west-3',
      accessKeyId: 'aws-id',
      secretAccessKey: 'aws-secret',
      endpoint: 'https://s3.example',
    });
    const fallback = s3OptionsFromEnv({
      UPSHOT_S3_BUCKET: 'media',
      ...keys,
      UPSHOT_S3_REGION: '',
      AWS_DEFAULT_REGION: 'us-west-2',
      AWS_ENDPOINT_URL: 'https://generic.example',
    });
    expect({ region: fallback.region, endpoint: fallback.endpoint }).toEqual({
      region: 'us-west-2',
      endpoint: 'https://generic.example',
    });
  });

  test('the UPSHOT_S3_* settings win over the AWS ones', () => {
    const options = s3OptionsFromEnv({
      UPSHOT_S3_BUCKET: 'media',
      ...keys,
      AWS_ACCESS_KEY_ID: 'aws-id',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      UPSHOT_S3_REGION: 'fr-par',
      AWS_REGION: 'eu-west-3',
      UPSHOT_S3_ENDPOINT: 'https://s3.fr-par.scw.cloud',
      AWS_ENDPOINT_URL_S3: 'https://s3.example',
    });
    expect(options).toMatchObject({
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      region: 'fr-par',
      endpoint: 'https://s3.fr-par.scw.cloud',
    });
  });

  test('an endpoint whose host starts with the bucket is virtual-hosted style', () => {
    expect(
      s3OptionsFromEnv({
        UPSHOT_S3_BUCKET: 'media',
        ...keys,
        UPSHOT_S3_ENDPOINT: 'https://media.s3.eu-west-3.amazonaws.com',
      }).virtualHostedStyle,
    ).toBe(true);
    expect(
      s3OptionsFromEnv({
        UPSHOT_S3_BUCKET: 'media',
        ...keys,
        UPSHOT_S3_ENDPOINT: 'https://s3.eu-west-3.amazonaws.com',
      }).virtualHostedStyle,
    ).toBeUndefined();
  });

  test('a missing or bad setting is named in the error', () => {
    const base = { UPSHOT_S3_BUCKET: 'media', ...keys };
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ...keys }, /UPSHOT_S3_BUCKET is required/],
      [{ ...base, UPSHOT_S3_BUCKET: 's3://media' }, /UPSHOT_S3_BUCKET/],
      [{ UPSHOT_S3_BUCKET: 'media', UPSHOT_S3_SECRET_ACCESS_KEY: 's' }, /UPSHOT_S3_ACCESS_KEY_ID/],
      [{ UPSHOT_S3_BUCKET: 'media', AWS_ACCESS_KEY_ID: 'i' }, /UPSHOT_S3_SECRET_ACCESS_KEY/],
      [{ ...base, UPSHOT_S3_ENDPOINT: 'minio:9000' }, /UPSHOT_S3_ENDPOINT must be an http/],
      [{ ...base, AWS_ENDPOINT_URL: 'ftp://files.example' }, /AWS_ENDPOINT_URL must be/],
      [{ ...base, UPSHOT_S3_ENDPOINT: 'https://u:p@s3.example' }, /UPSHOT_S3_ENDPOINT/],
      [{ ...base, UPSHOT_S3_REGION: 'us east 1' }, /UPSHOT_S3_REGION/],
      [{ ...base, AWS_REGION: 'eu/west' }, /AWS_REGION/],
      [{ ...base, UPSHOT_S3_PREFIX: 'a/../b' }, /UPSHOT_S3_PREFIX/],
      [{ ...base, UPSHOT_S3_PREFIX: '.hidden' }, /UPSHOT_S3_PREFIX/],
      [{ ...base, UPSHOT_STORAGE_TIMEOUT_S: 'ten' }, /UPSHOT_STORAGE_TIMEOUT_S/],
      [{ ...base, UPSHOT_STORAGE_TIMEOUT_S: '0' }, /UPSHOT_STORAGE_TIMEOUT_S/],
      [{ ...base, UPSHOT_STORAGE_TIMEOUT_S: '-3' }, /UPSHOT_STORAGE_TIMEOUT_S/],
    ];
    for (const [env, message] of cases) expect(() => s3OptionsFromEnv(env)).toThrow(message);
  });

  test('the error never repeats a secret', () => {
    let message = '';
    try {
      s3OptionsFromEnv({
        UPSHOT_S3_SECRET_ACCESS_KEY: 'very-secret-value',
        AWS_ACCESS_KEY_ID: 'i',
      });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain('UPSHOT_S3_BUCKET');
    expect(message).not.toContain('very-secret-value');
  });
});
