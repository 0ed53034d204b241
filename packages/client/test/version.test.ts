import { expect, test } from 'bun:test';
import manifest from '../package.json' with { type: 'json' };
import { VERSION } from '../src/version.ts';

test('VERSION matches package.json', () => {
  expect(VERSION).toBe(manifest.version);
});
