import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { api, type Block, screenshot, uploadImage } from '../review/fixtures.ts';
import { ARTIFACTS, type Chromium, launchChromium } from '../support/chromium.ts';

/**
 * The review page in a real Chromium: a pull request run with two changed screenshots, one
 * new, one removed and one unchanged; side by side, the diff toggle, the slider and the
 * keyboard, then the page in Chinese. Screenshots go to test-artifacts/.
 */
setDefaultTimeout(30_000);

let server: TestServer;
let page: Page;
let browser: Chromium;
let reviewUrl: string;

beforeAll(async () => {
  server = await startTestServer();
  const up = async (name: string, seed: number, blocks: Block[] = []) =>
    (await uploadImage(server, await screenshot(480, 300, { seed, blocks }), name)).id_encoded;
  const base = await api(server).post('/api/1/baselines', {
    project: 'acme/webapp#screenshots',
    branch: 'main',
    commit: '1234567890abcdef1234567890abcdef12345678',
    files: [
      { name: 'home.png', image_id: await up('home.png', 1) },
      { name: 'settings/dark.png', image_id: await up('dark.png', 2) },
      { name: 'profile.png', image_id: await up('profile.png', 3) },
      { name: 'legacy.png', image_id: await up('legacy.png', 4) },
    ],
  });
  expect(base.status).toBe(200);
  const res = await api(server).post('/api/1/compare', {
    project: 'acme/webapp#screenshots',
    base_branch: 'main',
    head_branch: 'feature/settings',
    pull_request: 42,
    commit: 'abcdef1234567890abcdef1234567890abcdef12',
    files: [
      {
        name: 'home.png',
        image_id: await up('home2.png', 1, [{ x: 200, y: 120, w: 80, h: 40, color: '#cf222e' }]),
      },
      {
        name: 'settings/dark.png',
        image_id: await up('dark2.png', 2, [{ x: 20, y: 200, w: 120, h: 30, color: '#8250df' }]),
      },
      { name: 'profile.png', image_id: await up('profile.png', 3) },
      { name: 'new-page.png', image_id: await up('new-page.png', 5) },
    ],
  });
  const body = await res.json();
  expect(body.comparison.summary).toEqual({ changed: 2, added: 1, removed: 1, unchanged: 1 });
  reviewUrl = body.comparison.url;

  browser = await launchChromium({ viewport: { width: 1400, height: 900 } });
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const visible = (selector: string) =>
  page
    .locator(selector)
    .evaluateAll((els) => els.map((el) => (el as HTMLElement).offsetParent !== null));
const loaded = (selector: string) =>
  page
    .locator(selector)
    .evaluateAll((imgs) =>
      imgs.map(
        (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth,
      ),
    );

/** Images load lazily: bring each into view and wait until it has loaded. */
async function allLoaded(selector: string) {
  const images = page.locator(selector);
  for (let i = 0; i < (await images.count()); i++) {
    await images.nth(i).scrollIntoViewIfNeeded();
    await images
      .nth(i)
      .evaluate((img) =>
        (img as HTMLImageElement).complete
          ? undefined
          : new Promise((resolve) => img.addEventListener('load', resolve, { once: true })),
      );
  }
}

describe('the review page in a browser', () => {
  test('shows every changed file side by side, then new, removed and unchanged', async () => {
    await page.goto(reviewUrl);
    await page.getByRole('heading', { name: 'Visual review: acme/webapp#screenshots' }).waitFor();
    const head = (await page.locator('.review-head').textContent()) ?? '';
    for (const part of [
      'Pull request #42',
      'abcdef1',
      'Compared with main (1234567)',
      '2 changed, 1 new, 1 removed, 1 unchanged',
    ])
      expect(head).toContain(part);
    expect(await page.locator('li.change h3 code').allTextContents()).toEqual([
      'home.png',
      'settings/dark.png',
    ]);
    // 80×40 of 480×300 pixels.
    expect(await page.locator('li.change .share').first().textContent()).toBe(
      '2.22% of the pixels changed',
    );
    // Before and after of both files, loaded; the diff hidden until asked for.
    await allLoaded('li.change .panes > .pane img');
    expect(await loaded('li.change .panes > .pane img')).toEqual([480, 480, 480, 480]);
    expect(await visible('li.change .diff-pane')).toEqual([false, false]);
    expect(await page.getByRole('heading', { name: 'New (1)' }).isVisible()).toBe(true);
    expect(await page.getByRole('heading', { name: 'Removed (1)' }).isVisible()).toBe(true);
    expect(await page.locator('section', { hasText: 'Removed (1)' }).textContent()).toContain(
      'legacy.png',
    );
    expect(await page.locator('details.unchanged summary').textContent()).toBe('Unchanged (1)');
    await page.screenshot({ path: join(ARTIFACTS, 'review.png'), fullPage: true });
  });

  test('the keyboard moves between files and shows the diff', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('j');
    expect(await page.locator('li.change.current').getAttribute('data-name')).toBe('home.png');
    await page.keyboard.press('j');
    expect(await page.locator('li.change.current').getAttribute('data-name')).toBe(
      'settings/dark.png',
    );
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('change-2');
    expect(await page.locator('#review-status').textContent()).toBe(
      'File 2 of 2: settings/dark.png',
    );
    await page.keyboard.press('k');
    expect(await page.locator('li.change.current').getAttribute('data-name')).toBe('home.png');

    await page.keyboard.press('d');
    expect(await page.getByRole('button', { name: 'Show diff' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(await visible('li.change .diff-pane')).toEqual([true, true]);
    await allLoaded('li.change .diff-pane img');
    // The diff of home.png is red where the block was added, and faded elsewhere.
    const colours = await page
      .locator('li.change')
      .first()
      .locator('.diff-pane img')
      .evaluate((el) => {
        const img = el as HTMLImageElement;
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const g = canvas.getContext('2d')!;
        g.drawImage(img, 0, 0);
        const at = (x: number, y: number) => [...g.getImageData(x, y, 1, 1).data.slice(0, 3)];
        return { changed: at(240, 140), unchanged: at(5, 5) };
      });
    expect(colours.changed).toEqual([255, 0, 0]);
    expect(Math.min(...colours.unchanged)).toBeGreaterThan(200);
    await page
      .locator('li.change')
      .first()
      .screenshot({ path: join(ARTIFACTS, 'review-diff.png') });
    await page.getByRole('button', { name: 'Show diff' }).click();
    expect(await visible('li.change .diff-pane')).toEqual([false, false]);
  });

  test('the slider view stacks before and after; keys and the range move it', async () => {
    await page.keyboard.press('v');
    expect(await page.getByRole('button', { name: 'Slider' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(await visible('li.change .overlay')).toEqual([true, true]);
    expect(await visible('li.change .panes')).toEqual([false, false]);
    const first = page.locator('li.change').first();
    const pos = () =>
      first
        .locator('.stack-view')
        .evaluate((el) => (el as HTMLElement).style.getPropertyValue('--pos'));
    // Not on the range: ← and → move the current file's slider by 5.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await pos()).toBe('60%');
    expect(await first.locator('input.slider').inputValue()).toBe('60');
    // On the range itself: its own keys.
    await first.getByLabel('Slider: before on the right, after on the left').focus();
    await page.keyboard.press('Home');
    expect(await pos()).toBe('0%');
    // The after layer is uncovered from the left up to the slider: at 0% it is all clipped.
    expect(
      await first.locator('img.over-after').evaluate((el) => getComputedStyle(el).clipPath),
    ).toContain('inset');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect(await pos()).toBe('3%');
    await page.keyboard.press('d');
    expect(
      await first.locator('img.over-diff').evaluate((el) => getComputedStyle(el).display),
    ).toBe('block');
    expect(
      await first.locator('img.over-after').evaluate((el) => getComputedStyle(el).display),
    ).toBe('none');
    await first.screenshot({ path: join(ARTIFACTS, 'review-slider.png') });
    await page.keyboard.press('d');
    await page.keyboard.press('v');
    expect(await visible('li.change .panes')).toEqual([true, true]);
  });

  test('in Chinese', async () => {
    await page.getByRole('link', { name: '简体中文' }).click();
    await page.getByRole('heading', { name: '视觉对比：acme/webapp#screenshots' }).waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    for (const part of [
      '2 个变更，1 个新增，1 个移除，1 个未变',
      '拉取请求 #42',
      '并排',
      '滑块',
      '显示差异',
      '之前',
      '之后',
    ])
      expect(text).toContain(part);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.keyboard.press('j');
    expect(await page.locator('#review-status').textContent()).toBe('第 1 个，共 2 个：home.png');
    await page.screenshot({ path: join(ARTIFACTS, 'review-zh.png') });
  });
});
