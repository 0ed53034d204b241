// Issue 13's defects, each reproduced over HTTP against the real server (the ones only a
// browser shows are in product.browser.test.ts).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createAgent, signUp } from '../accounts/agent.ts';
import { animated } from '../fixtures/images.ts';
import { makeClip } from '../fixtures/videos.ts';
import { file, jpeg, png } from '../helpers/images.ts';
import { createClock, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const clock = createClock();
const HTML = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

beforeAll(async () => {
  server = await startTestServer({ UPSHOT_GUEST_EXPIRATION: 'P1D' }, { clock });
});
afterAll(async () => {
  await server.stop();
});

let counter = 0;
const pngFile = async (name: string) =>
  file(await png(40 + counter++, 30, { r: counter * 9, g: 90, b: 40 }), name, 'image/png');

interface Reply {
  image: {
    id_encoded: string;
    url: string;
    url_viewer: string;
    delete_url: string;
    expiration_date_gmt: string | null;
    expiration_capped?: number;
    thumb: { filename: string; extension: string; url: string };
  };
}

async function upload(fields: Record<string, string | Blob>, key?: string | null): Promise<Reply> {
  const res = await server.upload(fields, key === undefined ? {} : { key });
  expect(res.status).toBe(200);
  return (await res.json()) as Reply;
}

describe('1. album cards count their images', () => {
  test('after moving two images into an album, its card on /account says 2 images and shows a cover', async () => {
    const agent = await signUp(server.url, 'mover');
    for (const name of ['one.png', 'two.png']) {
      const form = new FormData();
      form.append('source', await pngFile(name));
      expect((await agent.upload(form)).status).toBe(200);
    }
    const created = await agent.post('/albums', { name: 'Holiday' });
    expect(created.res.status).toBe(303);
    const page = await agent.get('/account');
    const ids = [...page.text.matchAll(/name="ids" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);
    const albumId = /\/album\/([A-Za-z0-9]+)"/.exec(page.text)?.[1];
    expect(albumId).toBeDefined();
    const moved = await agent.post('/account/images', { ids, album: albumId!, action: 'move' });
    expect(moved.res.status).toBe(303);
    const account = await agent.get('/account');
    const card = /<li class="tile album-card">([\s\S]*?)<\/li>/.exec(account.text)?.[1] ?? '';
    expect(card).toContain('Holiday');
    expect(card).toContain('2 images');
    expect(card).toContain('.th.png');
    expect(card).not.toContain('placeholder');
  });
});

describe('3. dead links in a browser', () => {
  test('a deleted image: 410 page for a browser, in its language; the envelope for an API client', async () => {
    const { image } = await upload({ source: await pngFile('gone.png') });
    const deleted = await fetch(image.delete_url, { method: 'POST' });
    expect(deleted.status).toBe(200);

    const page = await fetch(image.url_viewer, { headers: HTML });
    expect(page.status).toBe(410);
    expect(page.headers.get('content-type')).toStartWith('text/html');
    const text = await page.text();
    expect(text).toContain('This image was deleted.');
    expect(text).toContain('<html lang="en"');

    const zh = await fetch(image.url_viewer, { headers: { ...HTML, 'Accept-Language': 'zh-CN' } });
    expect(zh.status).toBe(410);
    expect(await zh.text()).toContain('这张图片已被删除');

    const api = await fetch(image.url_viewer, { headers: { Accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({
      status_code: 404,
      error: { message: 'Not found', code: 404 },
      status_txt: 'Not Found',
    });
    // File URLs stay plain for every client.
    const fileReply = await fetch(image.url, { headers: HTML });
    expect(fileReply.status).toBe(404);
    expect(fileReply.headers.get('content-type')).not.toStartWith('text/html');
  });

  test('an expired guest image: 410 that says it ran out of time, also after the sweep', async () => {
    const { image } = await upload(
      { source: await pngFile('short.png'), expiration: 'PT5M' },
      server.guestKey,
    );
    clock.advance(6 * 60_000);
    const before = await fetch(image.url_viewer, { headers: HTML });
    expect(before.status).toBe(404); // expired, not yet swept: no tombstone yet, still dead
    await server.upshot.sweepNow();
    const after = await fetch(image.url_viewer, { headers: HTML });
    expect(after.status).toBe(410);
    expect(await after.text()).toContain('deleted automatically when its time ran out');
  });

  test('an unknown image and an unknown page: 404 pages; a server failure: 500 with the request id', async () => {
    const unknown = await fetch(`${server.url}/image/nothing.zzzzzz`, { headers: HTML });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('That page does not exist');
    const nowhere = await fetch(`${server.url}/no/such/page`, {
      headers: { ...HTML, 'Accept-Language': 'zh' },
    });
    expect(nowhere.status).toBe(404);
    expect(await nowhere.text()).toContain('该页面不存在');
    const api = await fetch(`${server.url}/no/such/page`);
    expect((await api.json()).status_code).toBe(404);
  });

  test('500 with the request id when the page fails (its database gone)', async () => {
    const broken = await startTestServer();
    try {
      await broken.upshot.database.close();
      // A page that reads the database (an album by its id).
      const res = await fetch(`${broken.url}/album/${broken.instance.ids.encode(1)}`, {
        headers: HTML,
      });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.headers.get('content-type')).toStartWith('text/html');
      const requestId = res.headers.get('x-request-id');
      expect(requestId).toBeTruthy();
      expect(await res.text()).toContain(requestId!);
    } finally {
      await broken.stop().catch(() => {});
    }
  });
});

describe('4. guests are told the truth about expiry', () => {
  test('the uploader’s auto delete control defaults to the guest policy and offers nothing longer', async () => {
    const page = await (await fetch(`${server.url}/`)).text();
    const select = /<select name="expiration"[^>]*>([\s\S]*?)<\/select>/.exec(page)?.[1] ?? '';
    expect(select).toContain('<option value="" selected>After 1 day</option>');
    expect(select).not.toContain("Don't auto delete");
    expect(select).not.toContain('After 1 week');
    expect(select).toContain('After 1 hour');
  });

  test('a guest asking for P7D gets 1 day and expiration_capped 1; shorter or nothing is not capped', async () => {
    const now = clock.now().getTime();
    const seven = (
      await upload({ source: await pngFile('p7d.png'), expiration: 'P7D' }, server.guestKey)
    ).image;
    expect(seven.expiration_capped).toBe(1);
    const expires = Date.parse(`${seven.expiration_date_gmt!.replace(' ', 'T')}Z`);
    expect(Math.abs(expires - (now + 86_400_000))).toBeLessThan(5_000);
    const short = (
      await upload({ source: await pngFile('pt1h.png'), expiration: 'PT1H' }, server.guestKey)
    ).image;
    expect(short.expiration_capped).toBe(0);
    const none = (await upload({ source: await pngFile('none.png') }, server.guestKey)).image;
    expect(none.expiration_capped).toBe(0);
    const user = (await upload({ source: await pngFile('user.png'), expiration: 'P7D' })).image;
    expect(user.expiration_capped).toBe(0);
  });
});

describe('5. wording', () => {
  test('English plurals: 1 image, 2 images', async () => {
    const agent = await signUp(server.url, 'plural');
    const form = new FormData();
    form.append('source', await pngFile('single.png'));
    await agent.upload(form);
    expect((await agent.get('/account')).text).toContain('used by 1 image.');
    await agent.post('/albums', {
      name: 'Solo',
      images: (await agent.get('/account')).text.match(/name="ids" value="([^"]+)"/)![1]!,
    });
    const account = (await agent.get('/account')).text;
    expect(account).toContain('1 image ·');
    expect(account).not.toMatch(/\b1 images\b/);
  });

  test('/api-v1 says the guest policy in words, in both languages', async () => {
    const en = await (await fetch(`${server.url}/api-v1`)).text();
    expect(en).toContain('Guest uploads are deleted after 1 day.');
    expect(en).not.toContain('after 1D');
    const zh = await (
      await fetch(`${server.url}/api-v1`, { headers: { 'Accept-Language': 'zh' } })
    ).text();
    expect(zh).toContain('游客上传的文件将在 1 天后删除。');
  });

  test('/api/docs in Chinese is Chinese, and shows real types', async () => {
    const zh = await (
      await fetch(`${server.url}/api/docs`, { headers: { 'Accept-Language': 'zh' } })
    ).text();
    for (const part of [
      '接口',
      '错误',
      '字段',
      '类型',
      '说明',
      '上传成功时返回的图片对象。',
      '存储文件的字节数',
    ])
      expect(zh).toContain(part);
    expect(zh).not.toContain('see document');
    expect(zh).not.toContain('Operations');
    const en = await (await fetch(`${server.url}/api/docs`)).text();
    expect(en).toContain('<code class="type">string | null</code>');
    expect(en).toContain('<code class="type">0 | 1</code>');
    expect(en).toContain('Storage quota exceeded');
  });

  test('a guest asking for a URL source is told it is for guests', async () => {
    const res = await server.upload(
      { source: 'https://example.com/a.png' },
      { key: server.guestKey },
    );
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toBe(
      'URL uploading is disabled for guests, use an API key',
    );
  });
});

describe('6. smaller ones', () => {
  test('a favicon: /favicon.ico answers, and every page links its icon', async () => {
    const icon = await fetch(`${server.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toContain('<svg');
    const page = await (await fetch(`${server.url}/`)).text();
    const href = /<link rel="icon" href="([^"]+)"/.exec(page)?.[1];
    expect((await fetch(server.url + href)).status).toBe(200);
  });

  test('the thumb of photo.jpg is photo.th.jpg, with the jpg extension', async () => {
    const { image } = await upload({
      source: file(await jpeg(400, 300), 'photo.jpg', 'image/jpeg'),
    });
    expect(image.thumb.filename).toMatch(/^photo(-?[0-9a-f]{16})?\.th\.jpg$/);
    expect(image.thumb.extension).toBe('jpg');
    expect((await fetch(image.thumb.url)).status).toBe(200);
  });

  test('a 160×120 GIF gets a thumb no bigger than itself', async () => {
    const { image } = await upload({
      source: file(Uint8Array.from(await animated('gif', 160, 120, 3)), 'small.gif', 'image/gif'),
    });
    const bytes = new Uint8Array(await (await fetch(image.thumb.url)).arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect(meta.width).toBeLessThanOrEqual(160);
    expect(meta.pageHeight ?? meta.height).toBeLessThanOrEqual(120);
  });

  test('a video’s page claims no player card it cannot play', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-clip-'));
    try {
      const path = await makeClip(dir, 'clip.mp4', {
        width: 160,
        height: 120,
        seconds: 1,
        container: 'mp4',
      });
      const { image } = await upload({
        source: file(new Uint8Array(await Bun.file(path).arrayBuffer()), 'clip.mp4', 'video/mp4'),
      });
      const page = await (await fetch(image.url_viewer)).text();
      const card = /<meta name="twitter:card" content="([^"]+)"/.exec(page)?.[1];
      const player = page.includes('twitter:player');
      expect(card === 'player' ? player : true).toBe(true);
      expect(card).toBe('summary_large_image');
      expect(page).toContain('<meta property="og:video"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('pages escape what users wrote (titles, album names) by default', async () => {
    const agent = createAgent(server.url);
    const { image } = await upload({
      source: await pngFile('x.png'),
      title: '<script>alert(1)</script>',
    });
    const page = (await agent.get(new URL(image.url_viewer).pathname)).text;
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
