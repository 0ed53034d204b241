import { describe, expect, test } from 'bun:test';
import { escapeHtml, formatSize, mediumDisplaySize, variantFilename } from '../src/index.ts';

describe('formatSize (size_formatted)', () => {
  test('decimal units, one decimal, no trailing .0', () => {
    expect([0, 999, 1000, 53_237, 3_011_299, 1_250_000_000].map(formatSize)).toEqual([
      '0 B',
      '999 B',
      '1 KB',
      '53.2 KB',
      '3 MB',
      '1.3 GB',
    ]);
  });

  test('rounding carries into the next unit (999,950 bytes is 1 MB, not 1000 KB)', () => {
    expect(formatSize(999_950)).toBe('1 MB');
    expect(formatSize(999_949)).toBe('999.9 KB');
    expect(formatSize(999_950_000)).toBe('1 GB');
    expect(formatSize(999_999)).toBe('1 MB');
  });
});

describe('escapeHtml', () => {
  test("escapes the five characters as Chevereto does (&#039; for ')", () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#039;s&lt;/a&gt;',
    );
  });
});

describe('variants', () => {
  test('the infix goes before the original extension', () => {
    expect(variantFilename('photo', 'thumb', 'jpg')).toBe('photo.th.jpg');
    expect(variantFilename('photo', 'medium', 'png')).toBe('photo.md.png');
    expect(variantFilename('clip', 'frame', 'jpeg')).toBe('clip.fr.jpeg');
    expect(variantFilename('photo', 'image', 'jpg')).toBe('photo.jpg');
  });
  test('medium display size', () => {
    expect(mediumDisplaySize(1600, 1000)).toEqual({ width: 500, height: 313 });
  });
});
