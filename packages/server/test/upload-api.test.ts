import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { ErrorEnvelope, ImgbbModeSuccess, ImgbbSuccess, UploadSuccess } from '@upshot/schema';
import { generateUserKey, hashSecret } from '../src/services/keys.ts';
import { file, jpeg, md5, png } from './helpers/images.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const folderOf = (date: Date) =>
  `${date.getUTCFullYear()}/${String(date.getUTCMonth() + 1).padStart(2, '0')}/${String(date.getUTCDate()).padStart(2, '0')}`;

async function expectError(res: Response, status: number, code: number, message: string) {
  const body = await res.json();
  expect({ status: res.status, body }).toEqual({
    status,
    body: { status_code: status, error: { message, code }, status_txt: expect.any(String) },
  });
  expect(Value.Check(ErrorEnvelope, body)).toBe(true);
}

let server: TestServer;
let photo: Uint8Array<ArrayBuffer>;
let small: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  server = await startTestServer();
  photo = await jpeg(800, 600);
  small = await png(64, 48);
});
afterAll(() => server.stop());

describe('a multipart upload', () => {
  test('returns the contract reply, and every URL in it serves', async () => {
    const res = await server.upload({ source: file(photo, 'My holiday_photo.jpg', 'image/jpeg') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const body = await res.json();
    expect([...Value.Errors(UploadSuccess, body)]).toEqual([]);
    const image = body.image;
    const folder = folderOf(server.clock.now());
    const base = `${server.url}/images/${folder}/My-holiday_photo`;
    expect(image).toMatchObject({
      name: 'My-holiday_photo',
      extension: 'jpg',
      filename: 'My-holiday_photo.jpg',
      mime: 'image/jpeg',
      url: `${base}.jpg`,
      width: 800,
      height: 600,
      ratio: 800 / 600,
      size: photo.length,
      title: 'My holiday photo',
      description: null,
      original_filename: 'My holiday_photo.jpg',
      md5: md5(photo),
      source_md5: null,
      chain: 7,
      type: 'image',
      storage_mode: 'datefolder',
      duration: 0,
      duration_time: '',
      url_frame: '',
      expiration_date_gmt: null,
      how_long_ago: 'moments ago',
      views: 0,
      likes: 0,
      nsfw: 0,
      is_animated: 0,
      tags: [],
      tags_string: '',
      display_url: `${base}.md.jpeg`.replace('.md.jpeg', `.md.${image.medium.extension}`),
      display_width: 500,
      display_height: Math.round(500 / (800 / 600)),
    });
    expect(image.url_viewer).toBe(`${server.url}/image/My-holiday-photo.${image.id_encoded}`);
    expect(image.path_viewer).toBe(`/image/My-holiday-photo.${image.id_encoded}`);
    expect(image.url_short).toBe(`${server.url}/image/${image.id_encoded}`);
    expect(image.delete_url).toMatch(new RegExp(`^${image.url_short}/delete/[0-9a-f]{48}$`));
    expect(image.thumb).toMatchObject({
      name: 'My-holiday_photo.th',
      url: `${base}.th.${image.thumb.extension}`,
    });
    expect(image.thumb_size).toBe(image.thumb.size);
    expect(image.medium_size).toBe(image.medium.size);
    expect(server.instance.ids.decode(image.id_encoded)).toBeGreaterThan(0);

    const main = await fetch(image.url);
    expect(main.status).toBe(200);
    expect(main.headers.get('content-type')).toBe('image/jpeg');
    expect(md5(await main.arrayBuffer())).toBe(md5(photo));
    for (const url of [image.thumb.url, image.medium.url, image.display_url]) {
      expect((await fetch(url)).status).toBe(200);
    }
    const viewer = await fetch(image.url_viewer);
    expect(viewer.status).toBe(200);
    expect(viewer.headers.get('content-type')).toContain('text/html');
    expect(await viewer.text()).toContain('My holiday photo');
    const short = await fetch(image.url_short, { redirect: 'manual' });
    expect({ status: short.status, location: short.headers.get('location') }).toEqual({
      status: 302,
      location: image.path_viewer,
    });
  });

  test('a small image has no medium, and its display is the image itself', async () => {
    const res = await server.upload({ source: file(small, 'tiny.png') });
    const { image } = await res.json();
    expect(image.chain).toBe(5);
    expect(image.medium).toEqual({
      filename: null,
      name: null,
      mime: null,
      extension: null,
      url: null,
    });
    expect(image.medium_size).toBe(0);
    expect({ url: image.display_url, w: image.display_width, h: image.display_height }).toEqual({
      url: image.url,
      w: 64,
      h: 48,
    });
    expect(image.extension).toBe('png');
  });

  test('a JPEG not named .jpg gets the extension jpeg', async () => {
    const bytes = await jpeg(120, 90);
    const { image } = await (await server.upload({ source: file(bytes, 'scan.JPEG.bin') })).json();
    expect({ extension: image.extension, mime: image.mime }).toEqual({
      extension: 'jpeg',
      mime: 'image/jpeg',
    });
  });
});

describe('sources', () => {
  test('base64 in the body, with and without a data: prefix', async () => {
    const bytes = await png(30, 20, { r: 1, g: 2, b: 3 });
    const b64 = Buffer.from(bytes).toString('base64');
    for (const source of [b64, `data:image/png;base64,${b64}`, b64.replace(/(.{10})/g, '$1\n')]) {
      const res = await server.upload({ source, width: '' });
      expect(res.status).toBe(200);
      const { image } = await res.json();
      expect(image.original_filename).toMatch(/^[0-9a-f]{12}\.png$/);
      expect(image.md5).toBe(md5(bytes));
    }
  });

  test('a JSON body and a urlencoded body are read', async () => {
    const bytes = await png(31, 20);
    const b64 = Buffer.from(bytes).toString('base64');
    const json = await fetch(`${server.url}/api/1/upload`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': server.adminKey },
      body: JSON.stringify({ source: b64, title: 'from json', nsfw: 1 }),
    });
    expect(json.status).toBe(200);
    expect((await json.json()).image).toMatchObject({ title: 'from json', nsfw: 1 });
    const form = await fetch(`${server.url}/api/1/upload`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        source: Buffer.from(await png(32, 20)).toString('base64'),
        key: server.adminKey,
        title: 'from form',
      }),
    });
    expect(form.status).toBe(200);
    expect((await form.json()).image.title).toBe('from form');
  });

  test('the body wins over the query, and a trailing slash with a query string keeps the POST body', async () => {
    const res = await server.upload(
      { source: file(await png(33, 20), 'a.png'), title: 'body title' },
      { path: '/api/1/upload/?title=query+title&format=json' },
    );
    expect(res.status).toBe(200);
    expect((await res.json()).image.title).toBe('body title');
  });

  test('a file part wins over a string source', async () => {
    const form = new FormData();
    form.append('source', 'not base64 at all!');
    form.append('source', file(await png(34, 20), 'winner.png'));
    const res = await server.upload(form);
    expect(res.status).toBe(200);
    expect((await res.json()).image.original_filename).toBe('winner.png');
  });

  test('base64 over GET, bad base64, an empty and a missing source are refused', async () => {
    const b64 = Buffer.from(small).toString('base64');
    const get = await fetch(
      `${server.url}/api/1/upload?key=${server.adminKey}&source=${encodeURIComponent(b64)}`,
    );
    await expectError(get, 400, 130, 'Upload using base64 source must be done using POST method.');
    await expectError(
      await server.upload({ source: '@@@not-base64@@@' }),
      400,
      120,
      'Invalid base64 string',
    );
    await expectError(await server.upload({ source: '' }), 400, 130, 'Empty source');
    await expectError(await server.upload({ title: 'no source' }), 400, 130, 'Empty upload source');
  });

  test('GET with a URL source and /api/1.1 work', async () => {
    const res = await fetch(`${server.url}/api/1.1/upload?key=${server.adminKey}&title=v11`, {
      method: 'POST',
      body: (() => {
        const f = new FormData();
        f.append('source', file(small, 'v11.png'));
        return f;
      })(),
    });
    expect(res.status).toBe(200);
  });
});

describe('keys', () => {
  test('missing and unknown keys', async () => {
    await expectError(
      await server.upload({ source: file(small, 'a.png') }, { key: null }),
      401,
      100,
      'No key provided',
    );
    await expectError(
      await server.upload({ source: file(small, 'a.png') }, { key: 'nope' }),
      401,
      100,
      'Invalid API key.',
    );
  });

  test('the header wins over the key parameter, and an empty header counts as none', async () => {
    const ok = await server.upload(
      { source: file(await png(35, 20), 'a.png'), key: 'wrong' },
      { key: server.adminKey },
    );
    expect(ok.status).toBe(200);
    const bad = await server.upload(
      { source: file(small, 'a.png'), key: server.adminKey },
      { key: 'wrong-key' },
    );
    expect(bad.status).toBe(401);
    const empty = await server.upload(
      { source: file(await png(36, 20), 'a.png'), key: server.adminKey },
      { key: '' },
    );
    expect(empty.status).toBe(200);
  });

  test('a user key is found by its hash and stops working when revoked', async () => {
    const key = generateUserKey('x');
    const user = await server.repos.users.createWithKey({
      username: 'carol',
      isAdmin: false,
      keyHash: hashSecret(key),
      keyLabel: 'ci',
      now: new Date(),
    });
    const res = await server.upload({ source: file(await png(37, 20), 'c.png') }, { key });
    expect(res.status).toBe(200);
    const { image } = await res.json();
    expect(
      (await server.repos.images.find(server.instance.ids.decode(image.id_encoded)!))?.userId,
    ).toBe(user.id);
    const keyRow = (await server.repos.keys.find(hashSecret(key)))!;
    expect(await server.repos.keys.revoke(keyRow.key.id, user.id, new Date())).toBe(true);
    await expectError(
      await server.upload({ source: file(small, 'c.png') }, { key }),
      401,
      100,
      'Invalid API key.',
    );
  });

  test('bad version and bad action', async () => {
    await expectError(
      await server.upload({ source: file(small, 'a.png') }, { path: '/api/2/upload' }),
      404,
      110,
      'Invalid API version.',
    );
    await expectError(
      await server.upload({ source: file(small, 'a.png') }, { path: '/api/1/download' }),
      404,
      120,
      'Invalid API action',
    );
  });
});

describe('parameters', () => {
  test('title, name alias, description and tags', async () => {
    const long = 'x'.repeat(150);
    const res = await server.upload({
      source: file(await png(38, 20), 'p.png'),
      title: long,
      description: '  keep  as is ',
      tags: ` one, two,one,, bad/tag, #no,${'y'.repeat(33)}, three `,
    });
    const { image } = await res.json();
    expect(image.title).toBe('x'.repeat(100));
    expect(image.title_truncated).toBe(`${'x'.repeat(25)}...`);
    expect(image.description).toBe('  keep  as is ');
    expect(image.tags.map((t: { name: string }) => t.name)).toEqual(['one', 'two', 'three']);
    expect(image.tags_string).toBe('one, two, three');
    expect(image.tags[0]).toEqual({
      name: 'one',
      name_safe_html: 'one',
      url_key: 'one',
      url: `${server.url}/tag/one`,
    });
    const named = await (
      await server.upload({ source: file(await png(39, 20), 'p.png'), name: 'by name' })
    ).json();
    expect(named.image.title).toBe('by name');
  });

  test('width resizes the stored file, keeps the ratio, and reports the upload md5 as source_md5', async () => {
    const res = await server.upload({ source: file(photo, 'wide.jpg'), width: '400' });
    const { image } = await res.json();
    expect({ w: image.width, h: image.height }).toEqual({ w: 400, h: 300 });
    expect(image.source_md5).toBe(md5(photo));
    expect(image.md5).not.toBe(md5(photo));
    const stored = new Uint8Array(await (await fetch(image.url)).arrayBuffer());
    expect(md5(stored)).toBe(image.md5);
  });

  test('bad width values', async () => {
    await expectError(
      await server.upload({ source: file(small, 'a.png'), width: '65' }),
      400,
      610,
      'Target width is greater than the original image width',
    );
    for (const width of ['abc', '0', '-5', '1.5']) {
      await expectError(
        await server.upload({ source: file(small, 'a.png'), width }),
        400,
        400,
        'Invalid width',
      );
    }
  });

  test('nsfw, format and expiration values', async () => {
    const yes = await (
      await server.upload({ source: file(await png(40, 20), 'n.png'), nsfw: 'true' })
    ).json();
    expect(yes.image.nsfw).toBe(1);
    await expectError(
      await server.upload({ source: file(small, 'a.png'), nsfw: 'maybe' }),
      400,
      400,
      'Invalid nsfw value',
    );
    await expectError(
      await server.upload({ source: file(small, 'a.png'), format: 'xml' }),
      400,
      400,
      'Invalid format',
    );
    await expectError(
      await server.upload({ source: file(small, 'a.png'), expiration: 'soon' }),
      400,
      400,
      'Invalid expiration',
    );
  });

  test('expiration: ISO 8601, seconds, and the 5 minute to 1 year clamp', async () => {
    const now = server.clock.now().getTime();
    const cases: [string, number][] = [
      ['PT1H', 3600],
      ['7200', 7200],
      ['60', 300],
      ['P2Y', 31_536_000],
      ['P3D', 3 * 86400],
    ];
    for (const [i, [expiration, seconds]] of cases.entries()) {
      const { image } = await (
        await server.upload({ source: file(await png(41 + i, 20), 'e.png'), expiration })
      ).json();
      expect({ expiration, at: image.expiration_date_gmt }).toEqual({
        expiration,
        at: new Date(now + seconds * 1000).toISOString().slice(0, 19).replace('T', ' '),
      });
    }
    const none = await (
      await server.upload({ source: file(await png(50, 20), 'e.png'), expiration: '0' })
    ).json();
    expect(none.image.expiration_date_gmt).toBeNull();
  });

  test('album_id must name an album of the key owner; category_id must exist', async () => {
    const other = await server.repos.users.createWithKey({
      username: 'dave',
      isAdmin: false,
      keyHash: hashSecret('k'.repeat(40)),
      keyLabel: 'x',
      now: new Date(),
    });
    const foreign = await server.repos.albums.create({
      userId: other.id,
      name: 'theirs',
      now: new Date(),
    });
    const own = await server.repos.albums.create({ userId: 1, name: 'mine', now: new Date() });
    const ids = server.instance.ids;
    await expectError(
      await server.upload({ source: file(small, 'a.png'), album_id: ids.encode(foreign.id) }),
      404,
      404,
      'Album not found',
    );
    await expectError(
      await server.upload({ source: file(small, 'a.png'), album_id: ids.encode(99999) }),
      404,
      404,
      'Album not found',
    );
    await expectError(
      await server.upload({ source: file(small, 'a.png'), album_id: 'garbage!' }),
      404,
      404,
      'Album not found',
    );
    const res = await server.upload({
      source: file(await png(51, 20), 'a.png'),
      album_id: ids.encode(own.id),
    });
    expect(res.status).toBe(200);
    const { image } = await res.json();
    expect((await server.repos.images.find(ids.decode(image.id_encoded)!))?.albumId).toBe(own.id);

    await expectError(
      await server.upload({ source: file(small, 'a.png'), category_id: '77' }),
      400,
      400,
      'Invalid category',
    );
    await expectError(
      await server.upload({ source: file(small, 'a.png'), category_id: 'x' }),
      400,
      400,
      'Invalid category',
    );
    const category = await server.repos.albums.createCategory('Screenshots', 'screenshots');
    const withCategory = await (
      await server.upload({
        source: file(await png(52, 20), 'a.png'),
        category_id: String(category.id),
      })
    ).json();
    expect(withCategory.image.category_id).toBe(category.id);
  });
});

describe('formats', () => {
  test('txt answers the image URL as text, redirect answers 302 to the viewer', async () => {
    const txt = await server.upload({ source: file(await png(53, 20), 'f.png'), format: 'txt' });
    expect(txt.status).toBe(200);
    expect(txt.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
    const url = await txt.text();
    expect(url).toMatch(new RegExp(`^${server.url}/images/\\d{4}/\\d{2}/\\d{2}/f\\.png$`));
    expect((await fetch(url)).status).toBe(200);
    const redirect = await server.upload(
      { source: file(await png(54, 20), 'r.png'), format: 'redirect' },
      { redirect: 'manual' },
    );
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toMatch(/^\/image\/r\.[A-Za-z0-9]+$/);
  });

  test('errors keep their status and answer the message as text with txt and redirect', async () => {
    for (const format of ['txt', 'redirect']) {
      const res = await server.upload({ source: '', format }, {});
      expect({
        status: res.status,
        type: res.headers.get('content-type'),
        body: await res.text(),
      }).toEqual({
        status: 400,
        type: 'text/plain; charset=UTF-8',
        body: 'Empty source',
      });
    }
    const unauth = await server.upload(
      { source: file(small, 'a.png'), format: 'txt' },
      { key: 'bad' },
    );
    expect({ status: unauth.status, body: await unauth.text() }).toEqual({
      status: 401,
      body: 'Invalid API key.',
    });
  });
});

describe('the imgbb dialect', () => {
  test('`image` instead of `source` answers in imgbb mode', async () => {
    const res = await server.upload({ image: file(await png(55, 20), 'ib.png') });
    const body = await res.json();
    expect([...Value.Errors(ImgbbModeSuccess, body)]).toEqual([]);
    expect(body.data.id).toBe(body.data.id_encoded);
  });

  test('POST /1/upload answers exactly like imgbb', async () => {
    const bytes = await png(600, 40);
    const res = await fetch(`${server.url}/1/upload?key=${server.adminKey}`, {
      method: 'POST',
      body: new URLSearchParams({
        image: Buffer.from(bytes).toString('base64'),
        name: 'imgbb name',
        expiration: '600',
      }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect([...Value.Errors(ImgbbSuccess, body)]).toEqual([]);
    expect(body).toMatchObject({
      success: true,
      status: 200,
      data: { title: 'imgbb name', width: 600, height: 40, size: bytes.length, expiration: '600' },
    });
    expect(
      Math.abs(Number(body.data.time) - Math.floor(server.clock.now().getTime() / 1000)),
    ).toBeLessThanOrEqual(1);
    expect(body.data.medium.url).toContain('.md.');
    expect(Object.keys(body.data).sort()).toEqual(
      [
        'delete_url',
        'display_url',
        'expiration',
        'height',
        'id',
        'image',
        'medium',
        'size',
        'thumb',
        'time',
        'title',
        'url',
        'url_viewer',
        'width',
      ].sort(),
    );
    const err = await fetch(`${server.url}/1/upload?key=nope`, {
      method: 'POST',
      body: new URLSearchParams({ image: 'x' }),
    });
    await expectError(err, 401, 100, 'Invalid API key.');
  });
});

describe('duplicates', () => {
  test('the same bytes again return the same image with a fresh, working delete URL', async () => {
    const bytes = await png(56, 20, { r: 9, g: 9, b: 9 });
    const first = (await (await server.upload({ source: file(bytes, 'dup.png') })).json()).image;
    const before = await server.imageCount();
    const second = (await (await server.upload({ source: file(bytes, 'dup-again.png') })).json())
      .image;
    expect(await server.imageCount()).toBe(before);
    expect({ id: second.id_encoded, url: second.url }).toEqual({
      id: first.id_encoded,
      url: first.url,
    });
    expect(second.delete_url).not.toBe(first.delete_url);
    for (const url of [first.delete_url, second.delete_url])
      expect((await fetch(url)).status).toBe(200);
    const resized = (
      await (await server.upload({ source: file(bytes, 'dup.png'), width: '28' })).json()
    ).image;
    expect(resized.id_encoded).not.toBe(first.id_encoded);
  });
});

describe('deletion', () => {
  test('GET confirms, a wrong token is 404, POST deletes the files and the row', async () => {
    const { image } = await (
      await server.upload({ source: file(photo, 'gone.jpg'), title: 'to delete' })
    ).json();
    const confirm = await fetch(image.delete_url);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('<form method="post"');
    expect((await fetch(image.url)).status).toBe(200);

    const wrong = image.delete_url.replace(/[0-9a-f]{48}$/, '0'.repeat(48));
    expect((await fetch(wrong, { method: 'POST' })).status).toBe(404);
    expect((await fetch(image.url)).status).toBe(200);

    const del = await fetch(image.delete_url, { method: 'POST' });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({
      status_code: 200,
      success: { message: 'Image deleted', code: 200 },
      status_txt: 'OK',
    });
    for (const url of [image.url, image.thumb.url, image.medium.url]) {
      const res = await fetch(url);
      expect({ status: res.status, cache: res.headers.get('cache-control') }).toEqual({
        status: 404,
        cache: 'no-store',
      });
    }
    expect((await server.files()).filter((f) => f.includes('gone'))).toEqual([]);
    expect(
      await server.repos.images.find(server.instance.ids.decode(image.id_encoded)!),
    ).toBeNull();
    expect((await fetch(image.url_viewer)).status).toBe(404);
  });

  test("a deleted image's file name is never given to a later upload", async () => {
    // Its URL may sit in a cache marked immutable: it must never show other bytes.
    const first = (
      await (await server.upload({ source: file(await png(61, 20), 'reused.png') })).json()
    ).image;
    expect((await fetch(first.delete_url, { method: 'POST' })).status).toBe(200);
    // Once its files are removed, nothing else holds the name.
    const deadline = Date.now() + 30_000;
    while ((await server.files()).some((f) => f.includes('reused')) && Date.now() < deadline)
      await Bun.sleep(20);
    expect((await server.files()).filter((f) => f.includes('reused'))).toEqual([]);
    const second = (
      await (await server.upload({ source: file(await png(62, 20), 'reused.png') })).json()
    ).image;
    expect(second.url).not.toBe(first.url);
    expect(second.url).toContain('/reused');
    expect((await fetch(first.url)).status).toBe(404);
    expect((await fetch(second.url)).status).toBe(200);
  });

  test('DELETE works too, and a browser form post is redirected', async () => {
    const a = (await (await server.upload({ source: file(await png(57, 20), 'a.png') })).json())
      .image;
    expect((await fetch(a.delete_url, { method: 'DELETE' })).status).toBe(200);
    const b = (await (await server.upload({ source: file(await png(58, 20), 'b.png') })).json())
      .image;
    const form = await fetch(b.delete_url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
      body: '',
    });
    expect(form.status).toBe(303);
    expect((await fetch(b.url)).status).toBe(404);
  });
});

describe('viewer URLs', () => {
  test('a wrong slug redirects to the right one; an unknown id is 404', async () => {
    const { image } = await (
      await server.upload({ source: file(await png(59, 20), 'v.png'), title: `Tom's "best" shot?` })
    ).json();
    expect(image.path_viewer).toBe(`/image/Toms-best-shot.${image.id_encoded}`);
    const res = await fetch(`${server.url}/image/wrong-slug.${image.id_encoded}`, {
      redirect: 'manual',
    });
    expect({ status: res.status, location: res.headers.get('location') }).toEqual({
      status: 302,
      location: image.path_viewer,
    });
    expect((await fetch(`${server.url}/image/nothing.zzzzzz`)).status).toBe(404);
    const empty = await (
      await server.upload({ source: file(await png(60, 20), 'w.png'), title: '???' })
    ).json();
    expect(empty.image.path_viewer).toBe(`/image/${empty.image.id_encoded}`);
    expect((await fetch(empty.image.url_viewer)).status).toBe(200);
  });
});
