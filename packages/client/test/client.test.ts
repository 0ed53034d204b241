import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ApiErrors, Image } from '@upshot/schema';
import {
  createClient,
  ImgbbData,
  md5Matches,
  type RetryEvent,
  type UploadInput,
  UpshotError,
} from '../src/index.ts';
import { fakeClock } from './helpers/clock.ts';
import { deferred } from './helpers/deferred.ts';
import { errorReply, type FakeChevereto, startFakeChevereto } from './helpers/fake-chevereto.ts';
import { makePng } from './helpers/png.ts';

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const png = makePng(640, 480);
const pngMd5 = md5(png);
const base64 = Buffer.from(png).toString('base64');

let fake: FakeChevereto;
let dir: string;
let pngPath: string;

beforeAll(async () => {
  fake = await startFakeChevereto();
  dir = await mkdtemp(join(tmpdir(), 'upshot-client-'));
  pngPath = join(dir, 'red square.png');
  await writeFile(pngPath, png);
});
afterAll(() => fake.close());

/** Runs `work`, returns what it threw (or fails the test when it didn't throw). */
async function thrown(work: () => Promise<unknown>): Promise<UpshotError> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(UpshotError);
    return error as UpshotError;
  }
  throw new Error('expected an UpshotError');
}

const summary = (error: UpshotError) => ({
  kind: error.kind,
  status: error.status,
  code: error.code,
  message: error.message,
  retryable: error.retryable,
  attempts: error.attempts,
});

describe('upload to a contract server', () => {
  test('every input kind reaches the server as the contract says', async () => {
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const served = fake.serveFile('remote.png', png, 'image/png');
    const cases: { name: string; input: UploadInput; sent: string | { file: string } }[] = [
      { name: 'path string', input: pngPath, sent: { file: 'red square.png' } },
      { name: '{path}', input: { path: pngPath }, sent: { file: 'red square.png' } },
      { name: 'Uint8Array', input: png, sent: { file: 'upload.png' } },
      { name: 'Blob', input: new Blob([png]), sent: { file: 'upload.png' } },
      { name: 'File', input: new File([png], 'shot.png'), sent: { file: 'shot.png' } },
      {
        name: '{bytes, filename}',
        input: { bytes: png, filename: 'b.png' },
        sent: { file: 'b.png' },
      },
      { name: '{bytes: Blob}', input: { bytes: new Blob([png]) }, sent: { file: 'upload.png' } },
      { name: 'base64 string', input: base64, sent: base64 },
      { name: 'data: URL', input: `data:image/png;base64,${base64}`, sent: base64 },
      { name: '{base64}', input: { base64: `data:image/png;base64,${base64}` }, sent: base64 },
      { name: 'URL string', input: served, sent: served },
      { name: '{url}', input: { url: served }, sent: served },
    ];
    for (const { name, input, sent } of cases) {
      const before = fake.requests.length;
      const result = await client.upload(input);
      const request = fake.requests[before]!;
      const got =
        typeof sent === 'string'
          ? request.fields.source
          : { file: request.files.source?.filename, md5: md5(request.files.source!.bytes) };
      const want = typeof sent === 'string' ? sent : { ...sent, md5: pngMd5 };
      const isUrl =
        typeof input === 'string' ? input.startsWith('http') : 'url' in (input as object);
      expect({ name, got, md5: result.md5, missing: result.missing }).toEqual({
        name,
        got: want,
        md5: isUrl ? '' : pngMd5,
        missing: [],
      });
      expect(result.image.md5).toBe(pngMd5);
      expect(md5Matches(result)).toBe(isUrl ? null : true);
      expect(Value.Check(Image, result.image)).toBe(true);
    }
  });

  test('every parameter reaches the server, with the key in the header only', async () => {
    const client = createClient({ baseUrl: `${fake.baseUrl}/`, apiKey: fake.apiKey });
    const before = fake.requests.length;
    const { image } = await client.upload(png, {
      title: 'Quarterly chart',
      description: 'Numbers, mostly',
      tags: ['ci', 'nightly', 'ci'],
      album_id: 'AbC',
      category_id: 4,
      width: 320,
      expiration: 'PT1H',
      nsfw: true,
    });
    const request = fake.requests[before]!;
    expect(request.path).toBe('/api/1/upload');
    expect(request.method).toBe('POST');
    expect(request.headers.get('x-api-key')).toBe(fake.apiKey);
    expect(request.headers.get('user-agent')).toMatch(/^upshot-client\/\d+\.\d+\.\d+$/);
    const { source: _file, ...files } = request.files;
    expect(files).toEqual({});
    expect(request.fields).toEqual({
      title: 'Quarterly chart',
      description: 'Numbers, mostly',
      tags: 'ci,nightly,ci',
      album_id: 'AbC',
      category_id: '4',
      width: '320',
      expiration: 'PT1H',
      nsfw: '1',
    });
    expect({
      title: image.title,
      description: image.description,
      tags: image.tags_string,
      nsfw: image.nsfw,
      width: image.width,
      height: image.height,
      category: image.category_id,
      expires: image.expiration_date_gmt !== null,
    }).toEqual({
      title: 'Quarterly chart',
      description: 'Numbers, mostly',
      tags: 'ci, nightly',
      nsfw: 1,
      width: 320,
      height: 240,
      category: 4,
      expires: true,
    });

    await client.upload(png, { nsfw: false, expiration: 0, tags: 'a, b' });
    expect(fake.requests.at(-1)!.fields).toEqual({ nsfw: '0', expiration: '0', tags: 'a, b' });
  });

  test('format txt gives the URL; format redirect is refused before sending', async () => {
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const result = await client.upload(png, { format: 'txt' });
    expect(result.image.url).toStartWith(`${fake.baseUrl}/images/`);
    expect(result.reply).toBe(result.image.url);
    expect(result.missing).toContain('md5');
    const before = fake.requests.length;
    const error = await thrown(() => client.upload(png, { format: 'redirect' }));
    expect(error.kind).toBe('input');
    expect(fake.requests.length).toBe(before);
  });

  test("the imgbb dialect sends `image` and returns imgbb's data", async () => {
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const before = fake.requests.length;
    const result = await client.upload(png, { dialect: 'imgbb', title: 'from imgbb' });
    const request = fake.requests[before]!;
    expect(Object.keys(request.files)).toEqual(['image']);
    expect(request.fields).toEqual({ name: 'from imgbb', key: fake.apiKey });
    expect(result.missing).toEqual([]);
    expect(Value.Check(ImgbbData, result.data)).toBe(true);
    expect(result.data.title).toBe('from imgbb');
    expect(result.data.expiration).toBe('0');
    expect(result.md5).toBe(pngMd5);

    const own = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, endpoint: '/1/upload' });
    const imgbb = await own.upload(base64, { dialect: 'imgbb', expiration: 600 });
    expect(fake.requests.at(-1)!.path).toBe('/1/upload');
    expect(imgbb.missing).toEqual([]);
    expect(imgbb.data.expiration).toBe('600');
    expect(imgbb.data.width).toBe(640);
  });

  test('contract errors surface with status, code and message, and are not retried', async () => {
    const { clock, slept } = fakeClock();
    const wrongKey = createClient({ baseUrl: fake.baseUrl, apiKey: 'wrong', clock });
    const noKey = createClient({ baseUrl: fake.baseUrl, clock });
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, clock });
    const before = fake.requests.length;
    const errors = [
      await thrown(() => wrongKey.upload(png)),
      await thrown(() => noKey.upload(png)),
      await thrown(() => client.upload(png, { width: 5000 })),
      await thrown(() => client.upload(new TextEncoder().encode('plain text, not an image'))),
    ].map(summary);
    expect(errors).toEqual([
      {
        kind: 'http',
        status: 401,
        code: 100,
        message: 'Invalid API key.',
        retryable: false,
        attempts: 1,
      },
      {
        kind: 'http',
        status: 401,
        code: 100,
        message: 'No key provided',
        retryable: false,
        attempts: 1,
      },
      {
        kind: 'http',
        status: 400,
        code: 610,
        message: 'Target width is greater than the original image width',
        retryable: false,
        attempts: 1,
      },
      {
        kind: 'http',
        status: 415,
        code: 610,
        message: "Can't get target upload source info",
        retryable: false,
        attempts: 1,
      },
    ]);
    expect(fake.requests.length - before).toBe(4);
    expect(slept).toEqual([]);
  });

  test('checkKey tells a refused key from an accepted one without uploading', async () => {
    const good = await createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey }).checkKey();
    expect(summary(good)).toMatchObject({ status: 400, code: 130, message: 'Empty upload source' });
    const bad = await thrown(() => createClient({ baseUrl: fake.baseUrl, apiKey: 'x' }).checkKey());
    expect(summary(bad)).toMatchObject({ status: 401, code: 100, message: 'Invalid API key.' });
  });

  test('checkKey rejects a key that may not upload (403 Request denied): it works for nothing', async () => {
    fake.queue(() => errorReply(ApiErrors.requestDenied));
    const denied = await thrown(() =>
      createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey }).checkKey(),
    );
    expect(summary(denied)).toMatchObject({ status: 403, code: 401, message: 'Request denied' });
  });

  test('createClient refuses a base URL that is not http(s)', () => {
    expect(() => createClient({ baseUrl: 'img.example.com' })).toThrow(TypeError);
    expect(createClient({ baseUrl: 'https://x.test/sub//' }).endpoint).toBe(
      'https://x.test/sub/api/1/upload',
    );
  });
});

describe('retries', () => {
  const fail =
    (status: number, headers: Record<string, string> = {}) =>
    () =>
      errorReply({ status, code: status, message: `fail ${status}` }, headers);

  test('a 503 then a 200: retried once after a jittered backoff', async () => {
    const { clock, slept } = fakeClock();
    const events: RetryEvent[] = [];
    fake.queue(fail(503));
    const client = createClient({
      baseUrl: fake.baseUrl,
      apiKey: fake.apiKey,
      clock,
      random: () => 0.5,
    });
    const before = fake.requests.length;
    const result = await client.upload(png, { onRetry: (event) => events.push(event) });
    expect(result.image.md5).toBe(pngMd5);
    expect(fake.requests.length - before).toBe(2);
    expect(slept).toEqual([250]);
    expect(
      events.map((e) => ({ attempt: e.attempt, delayMs: e.delayMs, status: e.error.status })),
    ).toEqual([{ attempt: 1, delayMs: 250, status: 503 }]);
  });

  test('429 waits for Retry-After, in seconds or as an HTTP date', async () => {
    const { clock, slept } = fakeClock(Date.parse('2025-06-01T12:00:00Z'));
    fake.queue(
      () => errorReply(ApiErrors.flooding(50, 'minute'), { 'retry-after': '2' }),
      () =>
        errorReply(ApiErrors.flooding(50, 'minute'), {
          'retry-after': 'Sun, 01 Jun 2025 12:00:05 GMT',
        }),
    );
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, clock });
    await client.upload(png);
    // 2 s, then from 12:00:02 until 12:00:05.
    expect(slept).toEqual([2000, 3000]);
  });

  test('a Retry-After beyond the time budget fails at once, saying when to come back', async () => {
    const { clock, slept } = fakeClock();
    fake.queue(() => errorReply(ApiErrors.flooding(500, 'hour'), { 'retry-after': '600' }));
    const client = createClient({
      baseUrl: fake.baseUrl,
      apiKey: fake.apiKey,
      clock,
      maxRetryTimeMs: 60_000,
    });
    const error = await thrown(() => client.upload(png));
    expect({ ...summary(error), retryAfterMs: error.retryAfterMs }).toEqual({
      kind: 'http',
      status: 429,
      code: 130,
      message: 'Flooding detected. You can only upload 500 images per hour',
      retryable: true,
      attempts: 1,
      retryAfterMs: 600_000,
    });
    expect(slept).toEqual([]);
  });

  test('5xx until the retries run out: retries + 1 attempts, doubling backoff', async () => {
    const { clock, slept } = fakeClock();
    fake.respond(fail(500));
    try {
      const client = createClient({
        baseUrl: fake.baseUrl,
        apiKey: fake.apiKey,
        clock,
        retries: 2,
        random: () => 0.999,
      });
      const error = await thrown(() => client.upload(png));
      expect(summary(error)).toMatchObject({ status: 500, attempts: 3, retryable: true });
      expect(slept).toEqual([499, 999]);
    } finally {
      fake.respond(null);
    }
  });

  test('the total time budget stops retries early', async () => {
    const { clock, slept } = fakeClock();
    fake.respond(fail(502));
    try {
      const client = createClient({
        baseUrl: fake.baseUrl,
        apiKey: fake.apiKey,
        clock,
        retries: 10,
        maxRetryTimeMs: 1000,
        random: () => 0.999,
      });
      const error = await thrown(() => client.upload(png));
      // 499 fits in the budget; 499 + 999 doesn't.
      expect(slept).toEqual([499]);
      expect(error.attempts).toBe(2);
    } finally {
      fake.respond(null);
    }
  });

  test('an attempt that hangs past the timeout is abandoned and retried', async () => {
    const { clock, slept } = fakeClock();
    const release = deferred<Response>();
    fake.queue(() => release.promise);
    const client = createClient({
      baseUrl: fake.baseUrl,
      apiKey: fake.apiKey,
      clock,
      // Long enough for the second attempt to finish on a busy machine; the first never
      // answers until released, so it is the only one abandoned.
      timeoutMs: 3_000,
    });
    const events: RetryEvent[] = [];
    const started = performance.now();
    const result = await client.upload(png, { onRetry: (event) => events.push(event) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(2_900);
    release.resolve(new Response('late'));
    expect(result.image.md5).toBe(pngMd5);
    expect(events.map((event) => [event.error.kind, event.error.retryable])).toEqual([
      ['timeout', true],
    ]);
    expect(slept.length).toBe(1);
  });

  test('network errors are retried, then reported without a status', async () => {
    const { clock, slept } = fakeClock();
    const gone = await startFakeChevereto();
    await gone.close();
    const client = createClient({ baseUrl: gone.baseUrl, apiKey: 'k', clock, retries: 2 });
    const error = await thrown(() => client.upload(png));
    expect(summary(error)).toMatchObject({
      kind: 'network',
      status: null,
      code: null,
      retryable: true,
      attempts: 3,
    });
    expect(slept.length).toBe(2);
  });

  test("the caller's signal aborts a hanging upload without retrying", async () => {
    const release = deferred<Response>();
    const arrived = deferred();
    fake.queue(() => {
      arrived.resolve();
      return release.promise;
    });
    const controller = new AbortController();
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const upload = client.upload(png, { signal: controller.signal });
    await arrived.promise;
    controller.abort();
    const error = await thrown(() => upload);
    release.resolve(new Response('late'));
    expect(summary(error)).toMatchObject({ kind: 'aborted', retryable: false, attempts: 1 });
  });

  test('a redirect is reported, not followed into a body-less GET', async () => {
    fake.queue(
      () =>
        new Response(null, {
          status: 301,
          headers: { location: 'https://img.example.com/api/1/upload' },
        }),
    );
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const error = await thrown(() => client.upload(png));
    expect(summary(error)).toMatchObject({
      kind: 'http',
      status: 301,
      retryable: false,
      attempts: 1,
    });
    expect(error.message).toContain('https://img.example.com/api/1/upload');
  });

  test('a 2xx the client cannot use is an error, not a result', async () => {
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    fake.queue(
      () => new Response('<html>login</html>', { headers: { 'content-type': 'text/html' } }),
      () => Response.json({ status_code: 200, image: { title: 'no url' } }),
      () =>
        Response.json({
          status_code: 403,
          error: { message: 'Request denied', code: 401 },
          status_txt: 'Forbidden',
        }),
    );
    const errors = [
      await thrown(() => client.upload(png)),
      await thrown(() => client.upload(png)),
      await thrown(() => client.upload(png)),
    ].map((error) => [error.kind, error.status, error.code, error.retryable]);
    expect(errors).toEqual([
      ['invalid-reply', 200, null, false],
      ['invalid-reply', 200, null, false],
      ['http', 403, 401, false],
    ]);
  });

  test('an error without an envelope keeps the status and a readable message', async () => {
    const { clock } = fakeClock();
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, clock, retries: 0 });
    fake.queue(
      () =>
        new Response('<html>bad gateway</html>', {
          status: 502,
          statusText: 'Bad Gateway',
          headers: { 'content-type': 'text/html' },
        }),
      () =>
        new Response('File too big - max 10 MB', {
          status: 413,
          headers: { 'content-type': 'text/plain' },
        }),
    );
    const messages = [
      await thrown(() => client.upload(png)),
      await thrown(() => client.upload(png)),
    ].map((error) => [error.status, error.message, error.retryable]);
    expect(messages).toEqual([
      [502, 'HTTP 502 Bad Gateway', true],
      [413, 'File too big - max 10 MB', false],
    ]);
  });
});
