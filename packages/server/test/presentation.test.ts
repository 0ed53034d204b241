import { describe, expect, test } from 'bun:test';
import { candidateNames } from '../src/services/images/files.ts';
import {
  formatDuration,
  formatSize,
  howLongAgo,
  truncateTitle,
} from '../src/services/images/formatting.ts';
import {
  addDuration,
  applyGuestPolicy,
  parseExpiration,
} from '../src/services/uploads/expiration.ts';
import {
  cleanName,
  parseTags,
  seoSlug,
  titleFromFilename,
} from '../src/services/uploads/naming.ts';
import { decodeBase64 } from '../src/services/uploads/source.ts';

describe('names (docs/api.md §3)', () => {
  test('cleanName', () => {
    expect(cleanName('Badgers _ animated music video _ MrWeebl.mp4')).toBe(
      'Badgers-_-animated-music-video-_-MrWeebl',
    );
    expect(cleanName('C:\\Users\\me\\Crème brûlée.JPG')).toBe('Creme-brulee');
    expect(cleanName('/tmp/a/..weird...name..png')).toBe('weird.name');
    expect(cleanName('--日本語--.png')).toMatch(/^[0-9a-f]{32}$/);
    expect(cleanName(`${'a'.repeat(300)}.png`)).toBe('a'.repeat(200));
  });

  test('titleFromFilename', () => {
    expect(titleFromFilename('Badgers _ animated music video _ MrWeebl.mp4')).toBe(
      'Badgers animated music video MrWeebl',
    );
    expect(titleFromFilename('login--page__dark.png')).toBe('login page dark');
  });

  test('seoSlug', () => {
    expect(seoSlug('Badgers animated music video MrWeebl')).toBe(
      'Badgers-animated-music-video-MrWeebl',
    );
    expect(seoSlug(`a/b\\c ~ & ! ' " ? -- d`)).toBe('abc-d');
    expect(seoSlug('上传 完毕')).toBe(encodeURIComponent('上传-完毕'));
    expect(seoSlug('???')).toBe('');
  });

  test('parseTags', () => {
    expect(parseTags(' a, b ,a,,c/d,#e, f ')).toEqual(['a', 'b', 'f']);
    expect(parseTags(undefined)).toEqual([]);
  });

  test('a variant file name maps to the names it could belong to', () => {
    expect(candidateNames('a.th.jpeg')).toEqual(['a.th', 'a']);
    expect(candidateNames('a.png')).toEqual(['a']);
    expect(candidateNames('noext')).toEqual([]);
  });
});

describe('formatting', () => {
  test('size_formatted', () => {
    expect([999, 1000, 53237, 3011299, 1_250_000_000].map(formatSize)).toEqual([
      '999 B',
      '1 KB',
      '53.2 KB',
      '3 MB',
      '1.3 GB',
    ]);
  });
  test('duration_time and titles', () => {
    expect([0, 73, 3725].map(formatDuration)).toEqual(['', '01:13', '62:05']);
    expect(truncateTitle('Badgers animated music video MrWeebl')).toBe(
      'Badgers animated music vi...',
    );
    expect(truncateTitle('short')).toBe('short');
    const now = new Date('2026-01-01T00:00:00Z');
    expect(howLongAgo(now, now)).toBe('moments ago');
    expect(howLongAgo(new Date(now.getTime() - 2 * 3600_000), now)).toBe('2 hours ago');
  });
});

describe('expiration (docs/api.md §7)', () => {
  const now = new Date('2026-01-31T12:00:00Z');
  test('ISO 8601 durations and seconds, clamped', () => {
    expect(parseExpiration('PT5M', now)).toBe(300);
    expect(parseExpiration('P1W', now)).toBe(7 * 86400);
    expect(parseExpiration('pt1h', now)).toBe(3600);
    expect(parseExpiration('10', now)).toBe(300);
    expect(parseExpiration('P5Y', now)).toBe(31_536_000);
    expect(parseExpiration('', now)).toBeNull();
    expect(parseExpiration('0', now)).toBeNull();
    expect(parseExpiration(undefined, now)).toBeNull();
    for (const bad of ['soon', 'P', '5 minutes', '-P1D', 'PT-5M'])
      expect(() => parseExpiration(bad, now)).toThrow('invalid-expiration');
  });
  test('a duration beyond 100 years is refused, not clamped or overflowed into "never"', () => {
    expect(parseExpiration('P99Y', now)).toBe(31_536_000);
    expect(parseExpiration(String(99 * 365 * 86400), now)).toBe(31_536_000);
    for (const absurd of [
      'P101Y',
      'P999999999999Y',
      'PT99999999999999999999S',
      'P1000000000D',
      '99999999999999999999',
      String(101 * 365 * 86400),
    ]) {
      expect({
        absurd,
        thrown: (() => {
          try {
            parseExpiration(absurd, now);
            return null;
          } catch (error) {
            return (error as Error).message;
          }
        })(),
      }).toEqual({ absurd, thrown: 'invalid-expiration' });
    }
  });
  test('months follow the calendar', () => {
    expect(addDuration(now, 'P1M').toISOString()).toBe('2026-02-28T12:00:00.000Z');
    expect(addDuration(now, 'P1Y2M').toISOString()).toBe('2027-03-31T12:00:00.000Z');
  });
  test('guest policy caps', () => {
    expect(applyGuestPolicy(null, 86400)).toBe(86400);
    expect(applyGuestPolicy(3600, 86400)).toBe(3600);
    expect(applyGuestPolicy(999999, 86400)).toBe(86400);
  });
});

describe('base64', () => {
  test('standard alphabet, whitespace and data: prefix', () => {
    expect([...decodeBase64('AQID')!]).toEqual([1, 2, 3]);
    expect([...decodeBase64('AQ\nID ')!]).toEqual([1, 2, 3]);
    expect([...decodeBase64('data:image/png;base64,AQID')!]).toEqual([1, 2, 3]);
    expect(decodeBase64('A')).toBeNull();
    expect(decodeBase64('not base64!')).toBeNull();
    expect(decodeBase64('')).toBeNull();
  });
});
