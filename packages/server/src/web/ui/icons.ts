// Inline SVG icons from lucide-static (no CDN, no icon font), kept in icon-set.ts by
// scripts/icons.ts so production needs no icon package.
import { type Html, raw } from '../jsx/jsx-runtime.ts';
import { ICONS } from './icon-set.ts';

export type IconName = keyof typeof ICONS;

/** An icon, decorative (aria-hidden): the text beside it or a label says what it means. */
export const icon = (name: IconName): Html => raw(ICONS[name]);

/** Every icon's markup by name, for the browser script (sent once in the page's data). */
export const iconMarkup = (names: readonly IconName[]): Record<string, string> =>
  Object.fromEntries(names.map((name) => [name, ICONS[name]]));
