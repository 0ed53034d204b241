import { describe, expect, test } from 'bun:test';
import { humanDuration, translator } from '../../src/i18n/index.ts';
import { en, zhCN } from '../../src/i18n/messages.ts';

/** Chinese characters and full-width punctuation; HAN alone for what punctuation sits next to. */
const CJK = '\\u3400-\\u9fff\\u3000-\\u303f\\uff00-\\uffef';
const HAN = '\\u3400-\\u9fff';

describe('English', () => {
  test('counts take the singular for one: 1 image, 2 images', () => {
    const t = translator('en');
    expect(t('albums.count', { n: 1 })).toBe('1 image');
    expect(t('albums.count', { n: 2 })).toBe('2 images');
    expect(t('albums.count', { n: 0 })).toBe('0 images');
    expect(t('auth.claimed', { n: 1 })).toBe('1 image uploaded as a guest is now in your account.');
    expect(t('upload.progress', { n: 1, p: 50 })).toBe('Uploading 1 file (50% complete)');
  });

  test('no message puts a count before a fixed plural noun', () => {
    const fixed = Object.entries(en).filter(([, text]) =>
      /\{\w+\} (images|files|users|uploads|days|keys)\b/.test(text),
    );
    expect(fixed).toEqual([]);
  });

  test('durations read as words', () => {
    const t = translator('en');
    expect(humanDuration(t, 'P1D')).toBe('1 day');
    expect(humanDuration(t, 'P2W')).toBe('2 weeks');
    expect(humanDuration(t, 'P1DT12H')).toBe('1 day and 12 hours');
    expect(humanDuration(translator('zh-CN'), 'P1DT12H')).toBe('1 天12 小时');
  });
});

describe('Chinese', () => {
  const entries = Object.entries(zhCN);

  test('no space between two Chinese characters', () => {
    const spaced = entries.filter(([, text]) => new RegExp(`[${CJK}] +[${CJK}]`).test(text));
    expect(spaced).toEqual([]);
  });

  test('full-width punctuation next to Chinese text', () => {
    const ascii = entries.filter(([, text]) =>
      new RegExp(`[${HAN}][,.:;?!()]|[,:;?!(][${HAN}]`).test(text),
    );
    expect(ascii).toEqual([]);
  });

  test('sentences end with a full stop, not a period', () => {
    const periods = entries.filter(([, text]) => new RegExp(`[${CJK}]\\.$`).test(text));
    expect(periods).toEqual([]);
  });

  test('every key of the English table has a Chinese text with the same values', () => {
    for (const [key, text] of Object.entries(en)) {
      const values = (s: string) =>
        [...new Set([...s.matchAll(/\{(\w+)[}|]/g)].map((m) => m[1]))].sort();
      expect({ key, values: values(zhCN[key as keyof typeof en]) }).toEqual({
        key,
        values: values(text),
      });
    }
  });
});
