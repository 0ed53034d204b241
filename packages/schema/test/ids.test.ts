import { describe, expect, test } from 'bun:test';
import { createIdCodec } from '../src/ids.ts';

describe('Chevereto id encoding', () => {
  test('matches the contract vectors without padding', () => {
    const codec = createIdCodec('', 0);
    expect([1, 2, 62].map(codec.encode)).toEqual(['k', 's', 'k1']);
  });

  test('matches the contract vectors with padding 999', () => {
    const codec = createIdCodec('', 999);
    expect(codec.encode(1)).toBe('cL');
    expect(codec.encode(100000)).toBe('afnxr');
  });

  test('decodes what it encodes, for every salt', () => {
    for (const salt of ['', 'abcd1234', 'another salt']) {
      const codec = createIdCodec(salt, 999);
      for (const id of [1, 2, 61, 62, 999, 123456, 2 ** 40]) {
        expect(codec.decode(codec.encode(id))).toBe(id);
      }
    }
  });

  test('a different salt gives different ids', () => {
    expect(createIdCodec('a', 999).encode(5)).not.toBe(createIdCodec('b', 999).encode(5));
  });

  test('refuses text that is not an id of this instance', () => {
    const codec = createIdCodec('', 999);
    expect(codec.decode('')).toBeNull();
    expect(codec.decode('not-an-id')).toBeNull();
    expect(codec.decode('k')).toBeNull(); // 1 * 0 padding: not a multiple of 999
    expect(codec.decode('../etc')).toBeNull();
  });
});
