// The client against replies of servers that are not Upshot: a stock Chevereto 4, an older
// Chevereto, imgbb. Differences in optional fields must not break it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { Image } from '@upshot/schema';
import { createClient, ImgbbData, md5Matches, type UpshotError } from '../src/index.ts';
import {
  chevereto3Style,
  chevereto4Stock,
  imgbbOwn,
  stockErrors,
} from './fixtures/stock-replies.ts';
import { type FakeChevereto, startFakeChevereto } from './helpers/fake-chevereto.ts';
import { makePng } from './helpers/png.ts';

let fake: FakeChevereto;
const png = makePng(8, 8);

beforeAll(async () => {
  fake = await startFakeChevereto();
});
afterAll(() => fake.close());

const replyWith =
  (body: unknown, status = 200) =>
  () =>
    Response.json(body, { status });

describe('a stock Chevereto 4 reply', () => {
  test('numbers sent as text are converted; absent fields are filled and listed', async () => {
    fake.queue(replyWith(chevereto4Stock(fake.baseUrl)));
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const result = await client.upload(png);
    expect(Value.Check(Image, result.image)).toBe(true);
    expect(result.missing).toEqual([
      'frame_size',
      'is_360',
      'duration',
      'type',
      'tags_string',
      'url_frame',
      'duration_time',
    ]);
    const { image } = result;
    expect({
      width: image.width,
      height: image.height,
      size: image.size,
      nsfw: image.nsfw,
      chain: image.chain,
      type: image.type,
      tags: image.tags,
      thumb: image.thumb.url,
      display: [image.display_url, image.display_width, image.display_height],
      delete: image.delete_url,
    }).toEqual({
      width: 1151,
      height: 898,
      size: 53237,
      nsfw: 0,
      chain: 7,
      type: 'image',
      tags: [],
      thumb: `${fake.baseUrl}/images/2024/10/10/example.th.png`,
      display: [`${fake.baseUrl}/images/2024/10/10/example.md.png`, 500, 390],
      delete: `${fake.baseUrl}/image/L/delete/8f0ad4b1d1a6fa01c7eb4a0b2c1d7e3f9b3d92c1e0d1a2b3`,
    });
    // Extra fields (user, album) stay in the raw reply, not in the typed image.
    expect('user' in image).toBe(false);
    expect((result.reply as { image: { user: unknown } }).image.user).toBeDefined();
    // The stock md5 is of other bytes than ours: the client says so.
    expect(md5Matches(result)).toBe(false);
  });

  test('asked for the imgbb shape, it is rewritten into imgbb data', async () => {
    fake.queue(replyWith(chevereto4Stock(fake.baseUrl)));
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const { data, missing } = await client.upload(png, { dialect: 'imgbb' });
    expect(missing).toEqual([]);
    expect(Value.Check(ImgbbData, data)).toBe(true);
    expect(data).toMatchObject({
      id: 'L',
      width: 1151,
      size: 53237,
      time: String(Date.parse('2024-10-10T19:58:00Z') / 1000),
      expiration: '0',
    });
  });
});

describe('an older, Chevereto 3 style reply', () => {
  test('the few fields it has are used, the rest derived from them', async () => {
    fake.queue(replyWith(chevereto3Style(fake.baseUrl)));
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const { image, missing } = await client.upload(png);
    expect(missing).toContain('delete_url');
    expect(missing).toContain('storage_mode');
    expect({
      url: image.url,
      title: image.title,
      storage: image.storage_mode,
      viewer: image.url_viewer,
      thumb: image.thumb.url,
      thumbSize: image.thumb_size,
      medium: image.medium.url,
      chain: image.chain,
      delete: image.delete_url,
      display: [image.display_width, image.display_height],
    }).toEqual({
      url: `${fake.baseUrl}/images/2014/06/04/example.png`,
      title: 'example',
      storage: 'datefolder',
      viewer: `${fake.baseUrl}/image/L`,
      thumb: `${fake.baseUrl}/images/2014/06/04/example.th.png`,
      thumbSize: 17848,
      medium: `${fake.baseUrl}/images/2014/06/04/example.md.png`,
      chain: 7,
      delete: '',
      display: [500, 390],
    });
  });
});

describe('imgbb', () => {
  test("imgbb's own reply, asked for in the imgbb dialect, passes whole", async () => {
    fake.queue(replyWith(imgbbOwn()));
    const client = createClient({
      baseUrl: fake.baseUrl,
      apiKey: fake.apiKey,
      endpoint: '/1/upload',
    });
    const { data, missing } = await client.upload(png, { dialect: 'imgbb' });
    expect(missing).toEqual([]);
    const expected = imgbbOwn().data;
    expect(data).toEqual({ ...expected, width: 1, height: 1, size: 42 });
  });

  test("imgbb's reply read as a Chevereto image keeps every link", async () => {
    fake.queue(replyWith(imgbbOwn()));
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const { image, missing } = await client.upload(png);
    expect(missing).toContain('md5');
    expect({
      id: image.id_encoded,
      url: image.url,
      viewer: image.url_viewer,
      display: image.display_url,
      thumb: image.thumb.url,
      medium: image.medium.url,
      width: image.width,
      size: image.size,
      date: image.date_gmt,
      delete: image.delete_url,
    }).toEqual({
      id: '2ndCYJK',
      url: 'https://i.ibb.co/w04Prt6/c1f64245afb2.gif',
      viewer: 'https://ibb.co/2ndCYJK',
      display: 'https://i.ibb.co/98W13PY/c1f64245afb2.gif',
      thumb: 'https://i.ibb.co/2ndCYJK/c1f64245afb2.gif',
      medium: 'https://i.ibb.co/98W13PY/c1f64245afb2.gif',
      width: 1,
      size: 42,
      date: '2019-03-08 10:56:05',
      delete: 'https://ibb.co/2ndCYJK/670a7e48ddcb85ac340c717a41047e5c',
    });
  });
});

describe('stock error replies', () => {
  test('HTTP 400 for everything, codes as text: still a typed, non-retried error', async () => {
    fake.queue(
      replyWith(stockErrors.invalidKey, 400),
      replyWith(stockErrors.duplicated, 400),
      replyWith(stockErrors.imgbbEmpty, 400),
    );
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const before = fake.requests.length;
    const errors: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      await client.upload(png).catch((error: UpshotError) => {
        errors.push([error.status, error.code, error.message, error.retryable]);
      });
    }
    expect(errors).toEqual([
      [400, 100, 'Invalid API v1 key.', false],
      [400, 101, 'Duplicated upload', false],
      [400, 130, 'Empty upload source.', false],
    ]);
    expect(fake.requests.length - before).toBe(3);
  });
});
