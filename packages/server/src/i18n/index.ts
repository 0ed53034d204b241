import { parse as parseDuration } from 'tinyduration';
import { en, type MessageKey, zhCN } from './messages.ts';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };
export const LANG_COOKIE = 'upshot_lang';

const TABLES: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** `{n|one|other}`: the singular or plural form by the plural rules of the language. */
const PLURAL = /\{(\w+)\|([^|{}]*)\|([^|{}]*)\}/g;

export function translator(locale: Locale): Translate {
  const table = TABLES[locale];
  const rules = new Intl.PluralRules(locale);
  return (key, vars) => {
    const text = table[key];
    if (!vars) return text;
    return text
      .replace(PLURAL, (whole, name: string, one: string, other: string) =>
        name in vars ? (rules.select(Number(vars[name])) === 'one' ? one : other) : whole,
      )
      .replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  };
}

/**
 * An ISO 8601 duration in words: `P1D` → "1 day", `P1DT12H` → "1 day and 12 hours",
 * `PT90M` → "90 minutes"; the text as given when it does not parse.
 */
export function humanDuration(t: Translate, text: string): string {
  let d: ReturnType<typeof parseDuration>;
  try {
    d = parseDuration(text);
  } catch {
    return text;
  }
  const parts = (
    [
      ['duration.years', d.years],
      ['duration.months', d.months],
      ['duration.weeks', d.weeks],
      ['duration.days', d.days],
      ['duration.hours', d.hours],
      ['duration.minutes', d.minutes],
      ['duration.seconds', d.seconds],
    ] as const
  )
    .filter(([, n]) => n !== undefined && n > 0)
    .map(([key, n]) => t(key, { n: n! }));
  if (parts.length === 0) return text;
  return parts.reduce((a, b) => t('duration.and', { a, b }));
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
