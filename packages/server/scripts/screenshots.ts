#!/usr/bin/env bun
// Screenshots of every page (desktop and 375 px, light and dark) against a throwaway server
// with sample data: `bun scripts/screenshots.ts <folder>`. For reviewing the look of the pages;
// nothing is kept in the repository.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { startTestServer } from '../test/helpers/server.ts';

const out = resolve(process.argv[2] ?? 'test-artifacts/screens');
await mkdir(out, { recursive: true });

/** A landscape-like picture: sky gradient, sun and hills, drawn from SVG. */
async function picture(
  width: number,
  height: number,
  hue: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1">
  <stop offset="0" stop-color="hsl(${hue},70%,60%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},80%,85%)"/></linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#s)"/>
  <circle cx="${width * 0.7}" cy="${height * 0.35}" r="${height * 0.12}" fill="hsl(45,95%,70%)"/>
  <path d="M0 ${height * 0.7} Q ${width * 0.25} ${height * 0.5} ${width * 0.5} ${height * 0.68} T ${width} ${height * 0.62} V ${height} H 0 Z" fill="hsl(${(hue + 140) % 360},35%,35%)"/>
  <path d="M0 ${height * 0.85} Q ${width * 0.4} ${height * 0.7} ${width} ${height * 0.82} V ${height} H 0 Z" fill="hsl(${(hue + 150) % 360},40%,22%)"/></svg>`;
  return Uint8Array.from(await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer());
}

const server = await startTestServer({ UPSHOT_GUEST_EXPIRATION: 'P1D' });
const profile = await mkdtemp(join(tmpdir(), 'upshot-shots-'));
const samples = await Promise.all(
  [
    ['Mountain lake.jpg', 1600, 1000, 200],
    ['Desert dusk.jpg', 1200, 800, 20],
    ['Forest path.jpg', 900, 1200, 100],
    ['Harbour.jpg', 1400, 900, 230],
    ['Meadow.jpg', 1000, 1000, 70],
    ['Night city.jpg', 1600, 900, 260],
  ].map(async ([name, w, h, hue]) => ({
    name: name as string,
    bytes: await picture(w as number, h as number, hue as number),
  })),
);

// The admin's images (API, admin key), a guest's image, and one deleted for the 404 page.
const ids: { viewer: string; deleteUrl: string }[] = [];
for (const sample of samples) {
  const form = new FormData();
  form.append('source', new File([sample.bytes], sample.name, { type: 'image/jpeg' }));
  form.append('title', sample.name.replace(/\.jpg$/, ''));
  const reply = (await (await server.upload(form)).json()) as {
    image: { url_viewer: string; delete_url: string };
  };
  ids.push({ viewer: reply.image.url_viewer, deleteUrl: reply.image.delete_url });
}
{
  const form = new FormData();
  form.append('source', new File([samples[0]!.bytes], 'guest.jpg', { type: 'image/jpeg' }));
  await server.upload(form, { key: server.guestKey });
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const context: BrowserContext = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ARGS,
  headless: true,
  viewport: { width: 1280, height: 900 },
  locale: 'en-US',
});
const page: Page = context.pages()[0] ?? (await context.newPage());

// Sign in as the admin and put the first three images into an album.
await page.goto(`${server.url}/signin`);
await page.getByLabel(/Username/).fill('admin');
await page.getByLabel('Password').fill(server.adminKey);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL(/\/account/);
for (const name of ['Mountain lake', 'Desert dusk', 'Forest path'])
  await page.getByRole('checkbox', { name: `Select ${name}` }).check();
await page.locator('#selected-album-name').fill('Summer trip');
await page.getByRole('button', { name: 'Create a new album from these images' }).click();
await page.waitForURL(/\/album\//);
const albumUrl = page.url();
// Delete one image so its viewer URL is a dead link.
const dead = ids.pop()!;
await fetch(dead.deleteUrl, { method: 'POST', redirect: 'manual' });

const drop = async (files: { name: string; bytes: Uint8Array }[]) => {
  const payload = files.map((f) => ({
    name: f.name,
    data: Buffer.from(f.bytes).toString('base64'),
  }));
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list)
      dt.items.add(
        new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name, {
          type: 'image/jpeg',
        }),
      );
    return dt;
  }, payload);
  await page.dispatchEvent('main', 'dragenter', { dataTransfer: transfer });
  await page.dispatchEvent('main', 'drop', { dataTransfer: transfer });
};

const sizes = [
  { tag: 'desktop', width: 1280, height: 900 },
  { tag: 'phone', width: 375, height: 812 },
] as const;
const schemes = ['light', 'dark'] as const;

async function shoot(name: string, go: () => Promise<unknown>) {
  for (const size of sizes) {
    for (const scheme of schemes) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.emulateMedia({ colorScheme: scheme });
      try {
        await go();
        await page.screenshot({
          path: join(out, `${name}-${size.tag}-${scheme}.png`),
          fullPage: true,
        });
      } catch (error) {
        console.error(`${name} ${size.tag} ${scheme}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
}

const goto = (path: string) => () =>
  page.goto(path.startsWith('http') ? path : `${server.url}${path}`);

await shoot('uploader', goto('/'));
await shoot('uploader-queued', async () => {
  await page.goto(`${server.url}/`);
  await drop(samples.slice(1, 4));
  await page.locator('#queue li').nth(2).waitFor();
});
await shoot('uploader-customised', async () => {
  await page.goto(`${server.url}/`);
  await drop(samples.slice(1, 3));
  await page.locator('#queue li').nth(1).waitFor();
  await page.getByRole('button', { name: 'Customize', exact: true }).first().click();
  await page.getByLabel('Title').first().fill('Customised title');
});
await shoot('results', async () => {
  await page.goto(`${server.url}/`);
  await drop(samples.slice(4, 6));
  await page.locator('#queue li').nth(1).waitFor();
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByRole('heading', { name: 'Upload complete' }).waitFor();
});
await shoot('viewer', goto(ids[0]!.viewer));
await shoot('album', goto(albumUrl));
await shoot('account', goto('/account'));
await shoot('settings', goto('/settings'));
await shoot('admin', goto('/admin'));
await shoot('admin-categories', goto('/admin/categories'));
await shoot('admin-users', goto('/admin/users'));
await shoot('admin-content', goto('/admin/content'));
await shoot('admin-user', goto(`/admin/users/${server.instance.ids.encode(1)}`));
await shoot('admin-invites', goto('/admin/invites'));
await shoot('edit-image', goto(ids[0]!.viewer.replace(/\/image\/.*\./, '/edit/image/')));
await shoot('error-404', async () => {
  await page.goto(dead.viewer);
});
await shoot('api-docs', goto('/api-v1'));
await page.goto(`${server.url}/lang/zh-CN?next=/`);
await shoot('admin-zh', goto('/admin'));
await shoot('admin-users-zh', goto('/admin/users'));
await shoot('account-zh', goto('/account'));
await page.goto(`${server.url}/lang/en?next=/`);
await context.clearCookies();
await shoot('signin', goto('/signin'));
await shoot('signup', goto('/signup'));
await shoot('guest-uploader', goto('/'));
await page.goto(`${server.url}/lang/zh-CN?next=/`);
await shoot('uploader-zh', goto('/'));
await shoot('error-404-zh', goto(dead.viewer));
await page.goto(`${server.url}/lang/en?next=/`);
// A new account: the empty states.
await page.goto(`${server.url}/signup`);
if (await page.getByLabel('Username').count()) {
  await page.getByLabel('Username').fill('newbie');
  await page.getByLabel('Password').fill('a long password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(/\/account/);
  await shoot('account-empty', goto('/account'));
  await shoot('settings-empty', goto('/settings'));
}

await context.close();
await server.stop();
await rm(profile, { recursive: true, force: true });
console.log(`screenshots in ${out}`);
