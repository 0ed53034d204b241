// Inline SVG icons from lucide-static (no CDN, no icon font): each is read once at start,
// its licence comment and size attributes dropped so CSS sizes it (1em, currentColor).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Html, raw } from '../jsx/jsx-runtime.ts';

const NAMES = [
  'upload',
  'cloud-upload',
  'images',
  'image',
  'image-off',
  'settings',
  'shield',
  'log-out',
  'log-in',
  'user-plus',
  'copy',
  'check',
  'trash-2',
  'pencil',
  'download',
  'zoom-in',
  'zoom-out',
  'maximize',
  'chevron-left',
  'chevron-right',
  'x',
  'plus',
  'folder-plus',
  'folder',
  'link',
  'external-link',
  'search',
  'ban',
  'key-round',
  'clock',
  'lock',
  'globe',
  'eye-off',
  'sliders-horizontal',
  'code',
  'users',
  'layout-dashboard',
  'triangle-alert',
  'circle-check',
  'info',
  'house',
  'hard-drive',
  'chart-column',
  'user',
  'tag',
  'ticket',
  'inbox',
  'refresh-cw',
] as const;

export type IconName = (typeof NAMES)[number];

const require = createRequire(import.meta.url);

function load(name: IconName): string {
  const svg = readFileSync(require.resolve(`lucide-static/icons/${name}.svg`), 'utf8');
  return svg
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/ (width|height)="24"/g, '')
    .replace(/class="[^"]*"/, `class="icon" aria-hidden="true" focusable="false"`)
    .trim();
}

const SVGS = new Map<IconName, string>(NAMES.map((name) => [name, load(name)]));

/** An icon, decorative (aria-hidden): the text beside it or a label says what it means. */
export const icon = (name: IconName): Html => raw(SVGS.get(name)!);

/** Every icon's markup by name, for the browser script (sent once in the page's data). */
export const iconMarkup = (names: readonly IconName[]): Record<string, string> =>
  Object.fromEntries(names.map((name) => [name, SVGS.get(name)!]));
