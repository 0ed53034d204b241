// Debian's Chromium for the browser tests, driven by playwright-core: the flags these
// machines need (no sandbox as root, no GPU, no network of its own) and a throwaway profile.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where the browser tests save their screenshots (not committed). */
export const ARTIFACTS = join(import.meta.dir, '..', '..', 'test-artifacts');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export interface Chromium {
  context: BrowserContext;
  /** The window it opened with. */
  page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

export async function launchChromium(options: {
  viewport: { width: number; height: number };
  permissions?: string[];
}): Promise<Chromium> {
  const profile = await mkdtemp(join(tmpdir(), 'upshot-chromium-'));
  await mkdir(ARTIFACTS, { recursive: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ARGS,
      headless: true,
      viewport: options.viewport,
      locale: 'en-US',
      ...(options.permissions ? { permissions: options.permissions } : {}),
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
