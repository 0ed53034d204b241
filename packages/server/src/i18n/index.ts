import { en, type MessageKey, zhCN } from './messages.ts';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };
export const LANG_COOKIE = 'upshot_lang';

const TABLES: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const table = TABLES[locale];
  return (key, vars) => {
    const text = table[key];
    return vars
      ? text.replace(/\{(\w+)\}/g, (whole, name: string) =>
          name in vars ? String(vars[name]) : whole,
        )
      : text;
  };
}

/** The strings of these keys, for the uploader script. */
export function messagesFor(locale: Locale, keys: readonly MessageKey[]): Record<string, string> {
  const table = TABLES[locale];
  return Object.fromEntries(keys.map((key) => [key, table[key]]));
}

export const isLocale = (value: string | null | undefined): value is Locale =>
  value === 'en' || value === 'zh-CN';

/**
 * The page language: the remembered choice, else the first language of Accept-Language
 * (by q-value) that we have, else English. Any zh-* maps to zh-CN, the one
 * Chinese we have.
 */
export function pickLocale(
  cookieValue: string | null | undefined,
  acceptLanguage: string | null,
): Locale {
  if (isLocale(cookieValue)) return cookieValue;
  const ranges = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((range) => range.tag !== '' && range.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranges) {
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
    if (tag === 'zh' || tag.startsWith('zh-')) {
      return 'zh-CN';
    }
  }
  return 'en';
}

export type { MessageKey };
