import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { jpeg, png } from '../helpers/images.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ARTIFACTS, type Chromium, launchChromium } from '../support/chromium.ts';

/**
 * The whole journey in a real Chromium against a real server: a guest drops three images
 * (one too big), signs up and owns the two that made it, makes an album, opens the viewer,
 * reads the pages in Chinese, makes an API key and uploads with it, deletes an image
 * through its delete page. Screenshots go to test-artifacts/.
 */
setDefaultTimeout(30_000);

let server: TestServer;
let page: Page;
let browser: Chromium;

beforeAll(async () => {
  server = await startTestServer({
    UPSHOT_MAX_UPLOAD_MB_GUEST: '0.2',
    UPSHOT_GUEST_EXPIRATION: 'P1D',
  });
  browser = await launchChromium({ viewport: { width: 1100, height: 900 } });
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Drops files on the page the way a desktop drag does: a drop event carrying a DataTransfer. */
async function dropFiles(files: { name: string; type: string; bytes: Uint8Array }[]) {
  const payload = files.map((f) => ({ name: f.name, type: f.type, data: b64(f.bytes) }));
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const raw = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
      dt.items.add(new File([raw], f.name, { type: f.type }));
    }
    return dt;
  }, payload);
  await page.dispatchEvent('main', 'dragenter', { dataTransfer: transfer });
  await page.dispatchEvent('main', 'drop', { dataTransfer: transfer });
}

describe('the web uploader in a browser', () => {
  const uploaded: { name: string; viewer: string; direct: string }[] = [];

  test('a guest drops three images: two succeed with working links, the too-big one says why', async () => {
    await page.goto(`${server.url}/`);
    await expect(page.getByRole('heading', { name: 'Upload images' }).isVisible()).resolves.toBe(
      true,
    );
    const big = await jpeg(700, 700, { quality: 95 });
    expect(big.length).toBeGreaterThan(200_000);
    await dropFiles([
      {
        name: 'sunset-one.png',
        type: 'image/png',
        bytes: await png(64, 48, { r: 240, g: 120, b: 30 }),
      },
      { name: 'huge-photo.jpg', type: 'image/jpeg', bytes: big },
      {
        name: 'forest_two.png',
        type: 'image/png',
        bytes: await png(80, 60, { r: 20, g: 140, b: 60 }),
      },
    ]);
    await page.locator('#queue li.item').nth(2).waitFor();
    expect(await page.locator('#queue li.item').count()).toBe(3);

    // Customise the first file before uploading.
    await page.getByRole('button', { name: 'Customize', exact: true }).first().click();
    await page.getByLabel('Title').first().fill('Sunset one');
    await page.getByLabel('Tags (comma separated)').first().fill('sky, evening');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();

    await page.getByRole('heading', { name: 'Upload complete' }).waitFor();
    await expect(page.locator('#results-summary').textContent()).resolves.toBe(
      'Note: Some files could not be uploaded. 2 uploaded, 1 failed.',
    );
    const failed = page.locator('#result-list li.failed');
    expect(await failed.count()).toBe(1);
    await expect(failed.textContent()).resolves.toContain('huge-photo.jpg');
    await expect(failed.textContent()).resolves.toContain('Error: File too big - max 0.2 MB');

    const ok = page.locator('#result-list li.ok');
    expect(await ok.count()).toBe(2);
    for (let i = 0; i < 2; i++) {
      const item = ok.nth(i);
      const viewer = await item.locator('input[data-kind=viewer]').inputValue();
      const direct = await item.locator('input[data-kind=direct]').inputValue();
      const markdown = await item.locator('input[data-kind=markdown]').inputValue();
      expect(markdown).toBe(
        `[![${await item.locator('strong').textContent()}](${direct})](${viewer})`,
      );
      expect(await item.locator('input[data-kind=bbcode]').inputValue()).toBe(
        `[url=${viewer}][img]${direct}[/img][/url]`,
      );
      const file = await fetch(direct);
      expect({ status: file.status, type: file.headers.get('content-type') }).toEqual({
        status: 200,
        type: 'image/png',
      });
      expect((await fetch(viewer)).status).toBe(200);
      uploaded.push({ name: (await item.getAttribute('data-file')) ?? '', viewer, direct });
    }
    expect(uploaded.map((u) => u.name).sort()).toEqual(['forest_two.png', 'sunset-one.png']);
    expect(uploaded.find((u) => u.name === 'sunset-one.png')?.viewer).toContain(
      '/image/Sunset-one.',
    );
    await expect(page.locator('#results').textContent()).resolves.toContain(
      'You must create an account or sign in to save this content',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'uploader.png'), fullPage: true });
  });

  test('signing up right after claims the two images: they are theirs and no longer expire', async () => {
    await page.getByRole('link', { name: 'create an account' }).click();
    await page.getByLabel('Username').fill('gina');
    await page.getByLabel('Email (optional)').fill('gina@example.com');
    await page.getByLabel('Password').fill('a long password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'My images' }).waitFor();
    await expect(page.locator('main').textContent()).resolves.toContain(
      '2 images uploaded as a guest are now in your account.',
    );
    expect(await page.locator('ul.grid li.tile input[type=checkbox]').count()).toBe(2);
    const user = (await server.repos.users.findByLogin('gina'))!;
    const rows = await Promise.all(
      uploaded.map(
        async (u) =>
          (await server.repos.images.find(
            server.instance.ids.decode(u.viewer.split('.').pop()!)!,
          ))!,
      ),
    );
    expect(rows.map((r) => ({ owner: r.userId, expires: r.expiresAt }))).toEqual([
      { owner: user.id, expires: null },
      { owner: user.id, expires: null },
    ]);
  });

  test('creates an album from them and opens the viewer', async () => {
    await page.getByRole('checkbox', { name: 'Select Sunset one' }).check();
    await page.getByRole('checkbox', { name: 'Select forest two' }).check();
    await page.locator('#selected-album-name').fill('Walks');
    await page.getByRole('button', { name: 'Create a new album from these images' }).click();
    await page.getByRole('heading', { name: 'Walks' }).waitFor();
    expect(await page.locator('ul.grid img').count()).toBe(2);
    const thumbsLoaded = await page
      .locator('ul.grid img')
      .evaluateAll((imgs) => imgs.every((img) => (img as HTMLImageElement).naturalWidth > 0));
    expect(thumbsLoaded).toBe(true);

    // The tile's link (its hover actions name the image too: "Download: Sunset one").
    await page.getByRole('link', { name: 'Sunset one', exact: true }).click();
    await page.getByRole('heading', { name: 'Sunset one' }).waitFor();
    expect(new URL(page.url()).pathname).toStartWith('/image/Sunset-one.');
    const img = page.locator('img.media');
    await expect(
      img.evaluate(
        (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth,
      ),
    ).resolves.toBe(64);
    const text = (await page.locator('main').textContent()) ?? '';
    for (const part of [
      '64 × 48',
      'Uploaded by gina',
      'sky, evening',
      'In album Walks',
      'Embed codes',
    ])
      expect(text).toContain(part);
    await expect(page.getByRole('link', { name: 'Edit' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('link', { name: 'Delete' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('meta[property="og:image"]').getAttribute('content')).resolves.toBe(
      uploaded.find((u) => u.name === 'sunset-one.png')?.direct ?? null,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'viewer.png'), fullPage: true });
  });

  test('switches to Chinese and sees Chinese strings, remembered on the next page', async () => {
    await page.getByRole('link', { name: '简体中文' }).click();
    await page.getByRole('link', { name: '编辑' }).waitFor();
    const text = (await page.locator('body').textContent()) ?? '';
    for (const part of ['嵌入代码', '由 gina 上传', '删除', '我的图片', '退出'])
      expect(text).toContain(part);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: '上传图片' }).waitFor();
    await expect(page.locator('#dropzone').textContent()).resolves.toContain(
      '拖放或粘贴图片到此处上传',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'uploader-zh.png') });
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Upload images' }).waitFor();
  });

  let apiImage: { url: string; delete_url: string; id_encoded: string };

  test('creates an API key in settings and uploads with it over HTTP', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Label').fill('my script');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.locator('#new-key').inputValue();
    expect(key).toMatch(/^chv_[A-Za-z0-9]+_[0-9a-f]{64}$/);
    await page.screenshot({ path: join(ARTIFACTS, 'settings.png'), fullPage: true });

    const form = new FormData();
    form.append(
      'source',
      new File([await png(50, 50, { r: 1, g: 2, b: 250 })], 'from-curl.png', { type: 'image/png' }),
    );
    const res = await fetch(`${server.url}/api/1/upload`, {
      method: 'POST',
      headers: { 'X-API-Key': key },
      body: form,
    });
    expect(res.status).toBe(200);
    apiImage = (await res.json()).image;
    expect(
      (await server.repos.images.find(server.instance.ids.decode(apiImage.id_encoded)!))?.userId,
    ).toBe((await server.repos.users.findByLogin('gina'))!.id);
    await page.goto(`${server.url}/settings`);
    await expect(page.locator('table.keys').textContent()).resolves.toContain('my script');
    await expect(
      page.locator('table.keys tr', { hasText: 'my script' }).textContent(),
    ).resolves.not.toContain('Never');
  });

  test('deletes an image through its delete page', async () => {
    await page.goto(apiImage.delete_url);
    await page.getByRole('heading', { name: 'Delete “from curl”?' }).waitFor();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('The image has been deleted.').waitFor();
    expect((await fetch(apiImage.url)).status).toBe(404);
    expect(
      await server.repos.images.find(server.instance.ids.decode(apiImage.id_encoded)!),
    ).toBeNull();
  });
});
