import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { BrowserContext, Page } from 'playwright-core';
import { png } from '../helpers/images.ts';
import { ADMIN_KEY, startTestServer, type TestServer } from '../helpers/server.ts';
import { type Chromium, launchChromium } from '../support/chromium.ts';

/**
 * The product in a real Chromium: the uploader on a 375 px phone (panels that open and
 * close, no horizontal scroll with files queued, customised and uploaded), the viewer's
 * keyboard, zoom and copy feedback, and the admin's pages in English and in Chinese.
 */
setDefaultTimeout(60_000);

let server: TestServer;
let context: BrowserContext;
let page: Page;
let browser: Chromium;

beforeAll(async () => {
  server = await startTestServer({ UPSHOT_GUEST_EXPIRATION: 'P1D', UPSHOT_SIGNUPS: 'invite' });
  browser = await launchChromium({
    viewport: { width: 375, height: 812 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context = browser.context;
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function dropFiles(files: { name: string; bytes: Uint8Array }[]) {
  const payload = files.map((f) => ({
    name: f.name,
    data: Buffer.from(f.bytes).toString('base64'),
  }));
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const raw = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
      dt.items.add(new File([raw], f.name, { type: 'image/png' }));
    }
    return dt;
  }, payload);
  await page.dispatchEvent('main', 'dragenter', { dataTransfer: transfer });
  await page.dispatchEvent('main', 'drop', { dataTransfer: transfer });
}

/** How far the page scrolls sideways (0: it fits the viewport). */
const sideways = () =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('the uploader on a 375 px phone', () => {
  test('panels open and close, nothing scrolls sideways, and the guest sees the real expiry', async () => {
    await page.goto(`${server.url}/`);
    expect(await sideways()).toBe(0);
    await dropFiles([
      {
        name: 'a-very-long-file-name-that-would-push-the-card-wider-than-the-phone.png',
        bytes: await png(60, 40, { r: 200, g: 30, b: 30 }),
      },
      { name: 'second.png', bytes: await png(50, 50, { r: 30, g: 200, b: 30 }) },
      { name: 'third.png', bytes: await png(40, 60, { r: 30, g: 30, b: 200 }) },
    ]);
    const items = page.locator('#queue li.item');
    await items.nth(2).waitFor();
    // Queued: every customise panel is closed (a display rule once overrode `hidden`).
    const panels = page.locator('#queue .item-panel');
    for (let i = 0; i < 3; i++) expect(await panels.nth(i).isVisible()).toBe(false);
    expect(await sideways()).toBe(0);
    // The file line reads "size · status", the dot drawn only between two parts (it once
    // dangled after the size: "76.5 KB ·").
    const meta = () =>
      page
        .locator('#queue .item-meta')
        .first()
        .evaluate((el) =>
          [...el.children]
            .filter((part) => getComputedStyle(part).display !== 'none')
            .map((part) => {
              const before = getComputedStyle(part, '::before').content;
              return (before === 'none' ? '' : before.replace(/"/g, '')) + part.textContent;
            })
            .join(''),
        );
    expect(await meta()).toMatch(/^\d+ B · Waiting$/);
    await page
      .locator('#queue [data-status-text]')
      .first()
      .evaluate((el) => {
        el.textContent = '';
      });
    expect(await meta()).toMatch(/^\d+ B$/);

    // Customised: the panel opens, fits, and closes again.
    await page.getByRole('button', { name: 'Customize', exact: true }).first().click();
    expect(await panels.first().isVisible()).toBe(true);
    expect(await panels.nth(1).isVisible()).toBe(false);
    await page.getByLabel('Title').first().fill('Red square');
    const expiry = page.getByLabel('Auto delete').first();
    expect(await expiry.locator('option:checked').textContent()).toBe('After 1 day');
    expect(await sideways()).toBe(0);
    const box = await panels.first().boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(375);
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    expect(await panels.first().isVisible()).toBe(false);

    // Uploaded: the results fit too, and their heading takes focus without a heavy box.
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('heading', { name: 'Upload complete' }).waitFor();
    expect(await page.locator('#result-list li.ok').count()).toBe(3);
    expect(await sideways()).toBe(0);
    const title = page.locator('#results-title');
    expect(await title.evaluate((el) => document.activeElement === el)).toBe(true);
    expect(await title.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('none');
    expect(await page.locator('#result-list li.ok strong').first().textContent()).toBe(
      'Red square',
    );

    // Copy feedback: the button says it copied, and the clipboard holds the link.
    const copy = page.locator('#result-list li.ok').first().locator('[data-code=viewer] button');
    await copy.click();
    await page
      .locator('#result-list [data-code=viewer] button.copied', { hasText: 'Copied' })
      .first()
      .waitFor();
    const viewer = await page
      .locator('#result-list li.ok')
      .first()
      .locator('input[data-kind=viewer]')
      .inputValue();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(viewer);
    // Links as Markdown for all three at once.
    await page.getByLabel('Show links as').selectOption('markdown');
    expect(
      await page.locator('#result-list li.ok').first().locator('[data-code=markdown]').isVisible(),
    ).toBe(true);
    expect(
      await page.locator('#result-list li.ok').first().locator('[data-code=viewer]').isVisible(),
    ).toBe(false);
    await page.getByRole('button', { name: 'Copy all' }).click();
    const all = await page.evaluate(() => navigator.clipboard.readText());
    expect(all.split('\n')).toHaveLength(3);
    expect(all).toStartWith('[![Red square](');
  });
});

describe('the admin, in English and in Chinese', () => {
  async function signInAdmin() {
    await page.goto(`${server.url}/signin`);
    await page.getByLabel('Username or email').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/account/);
  }

  test('invites a user, who signs up with the link', async () => {
    await page.setViewportSize({ width: 1100, height: 900 });
    await signInAdmin();
    // Sign out is a link-like button without an underline, like the links beside it.
    const signOut = page.getByRole('button', { name: 'Sign out' });
    expect(await signOut.evaluate((el) => getComputedStyle(el).textDecorationLine)).toBe('none');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    await page.getByRole('link', { name: 'Invitations' }).click();
    await page.getByText('Sign-ups need an invitation (UPSHOT_SIGNUPS=invite).').waitFor();
    await page.getByLabel('Note').fill('for Nina');
    await page.getByRole('button', { name: 'Make an invitation link' }).click();
    const link = await page.locator('#invite-link').inputValue();
    expect(link).toContain('/signup?invite=');

    const guest = await context.browser()?.newContext();
    const other = guest ? await guest.newPage() : await context.newPage();
    try {
      if (!guest) await other.context().clearCookies();
      await other.goto(link);
      await other.getByText('You were invited.').waitFor();
      await other.getByLabel('Username').fill('nina');
      await other.getByLabel('Password').fill('nina password');
      await other.getByRole('button', { name: 'Sign up' }).click();
      await other.waitForURL(/\/account/);
    } finally {
      await other.close();
    }
    await page.goto(`${server.url}/admin/invites`);
    await page.getByText('Used by nina').waitFor();
  });

  test('finds a user, bans and unbans them, and makes a password reset link', async () => {
    await page.goto(`${server.url}/admin/users`);
    await page.getByLabel('Search by name or email').fill('nin');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator('tr[data-user=nina]');
    await row.waitFor();
    expect(await page.locator('tr[data-user=admin]').count()).toBe(0);
    await row.getByRole('button', { name: 'Ban: nina' }).click();
    await page.getByText('nina is banned').waitFor();
    expect((await server.repos.users.findByLogin('nina'))!.isBanned).toBe(true);
    await page.getByRole('button', { name: 'Unban' }).click();
    await page.getByText('nina can sign in and upload again.').waitFor();
    await page.getByRole('button', { name: 'Make a reset link' }).click();
    expect(await page.locator('#reset-link').inputValue()).toContain('/reset/');
  });

  test('bans a guest address from the content page', async () => {
    await server.upload(
      { source: new File([await png(30, 30, { r: 1, g: 1, b: 1 })], 'g.png') },
      { key: server.guestKey },
    );
    await page.goto(`${server.url}/admin/content`);
    await page.getByRole('button', { name: 'Ban 127.0.0.1' }).first().click();
    await page.getByText('Guest uploads from 127.0.0.1 are now refused.').waitFor();
    expect(await server.repos.addresses.isBanned('127.0.0.1')).toBe(true);
    await page.getByRole('button', { name: 'Unban: 127.0.0.1' }).click();
    await page.getByText('127.0.0.1 may upload again.').waitFor();
  });

  test('the same pages in Chinese', async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByRole('link', { name: '简体中文' }).click();
    await page.getByRole('heading', { name: '管理' }).waitFor();
    for (const text of [
      '概览',
      '用户',
      '内容',
      '邀请',
      '已封禁的地址',
      '上传最多的用户',
      '最近 30 天每日上传',
    ])
      await expect(page.locator('main').textContent()).resolves.toContain(text);
    await page.getByRole('link', { name: '用户', exact: true }).click();
    await page.getByLabel('按用户名或电子邮件搜索').fill('nina');
    await page.getByRole('button', { name: '搜索' }).click();
    await page.locator('tr[data-user=nina]').getByRole('button', { name: '封禁：nina' }).click();
    await page.getByText('nina 已被封禁').waitFor();
    await page.getByRole('button', { name: '解除封禁' }).click();
    await page.getByText('nina 可以重新登录和上传。').waitFor();
    // The quota and deleting the user, in Chinese (the unban left us on nina's page).
    await page.getByRole('heading', { name: 'nina' }).waitFor();
    await page.getByRole('textbox', { name: '存储配额（MB）' }).fill('5');
    await page.getByRole('button', { name: '保存配额' }).click();
    await page.getByText('配额已保存。').waitFor();
    expect((await server.repos.users.findByLogin('nina'))!.quotaMb).toBe(5);
    await page.getByRole('button', { name: '删除 nina 及其图片' }).click();
    await page.getByText('已删除 nina 及其 0 张图片。').waitFor();
    expect(await server.repos.users.findByLogin('nina')).toBeNull();
    await page.getByRole('link', { name: '邀请', exact: true }).click();
    await page.getByRole('button', { name: '生成邀请链接' }).click();
    await page.getByText('请发送此链接。').waitFor();
    await page.getByRole('link', { name: '内容', exact: true }).click();
    await page.getByText('最新上传的内容').waitFor();
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Content' }).waitFor();
  });
});

describe('the viewer', () => {
  test('moves through an album with the arrow keys, zooms with Z', async () => {
    const ids: string[] = [];
    for (const [i, color] of [
      [1, 200],
      [2, 120],
      [3, 40],
    ] as const) {
      const res = await server.upload({
        source: new File([await png(900 + i, 600, { r: color, g: 100, b: 50 })], `walk-${i}.png`),
      });
      ids.push(((await res.json()) as { image: { id_encoded: string } }).image.id_encoded);
    }
    await page.goto(`${server.url}/account`);
    for (const i of [1, 2, 3])
      await page.getByRole('checkbox', { name: `Select walk ${i}` }).check();
    await expect(page.locator('[data-selected-count]').textContent()).resolves.toBe('3 selected');
    await page.locator('#selected-album-name').fill('Walks');
    await page.getByRole('button', { name: 'Create a new album from these images' }).click();
    await page.getByRole('heading', { name: 'Walks' }).waitFor();
    await page.getByRole('link', { name: 'walk 3', exact: true }).click();
    await page.getByRole('heading', { name: 'walk 3' }).waitFor();
    await page.getByText('1 of 3 in Walks').waitFor();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('heading', { name: 'walk 2' }).waitFor();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('heading', { name: 'walk 1' }).waitFor();
    await page.keyboard.press('ArrowLeft');
    await page.getByRole('heading', { name: 'walk 2' }).waitFor();
    const stage = page.locator('[data-stage]');
    await page.keyboard.press('z');
    expect(await stage.evaluate((el) => el.classList.contains('zoomed'))).toBe(true);
    expect(
      await page
        .locator('img.media')
        .evaluate((el) => (el as HTMLImageElement).getBoundingClientRect().width),
    ).toBe(902);
    await page.getByRole('button', { name: 'Fit to screen' }).click();
    expect(await stage.evaluate((el) => el.classList.contains('zoomed'))).toBe(false);
  });
});
