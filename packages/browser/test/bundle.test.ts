import { describe, expect, test } from 'bun:test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ASSETS, bundle, ENTRIES } from '../build.ts';

describe('the bundles the server serves', () => {
  test('are what the build makes from the sources today (run `bun run build` and commit)', async () => {
    const built = await bundle();
    expect(Object.keys(built).sort()).toEqual(ENTRIES.map((name) => `${name}.js`).sort());
    for (const [name, text] of Object.entries(built)) {
      expect({ name, text: await readFile(join(ASSETS, name), 'utf8') }).toEqual({ name, text });
    }
  });

  test('the uploader carries the client’s parameter building and reply parsing', async () => {
    const text = await readFile(join(ASSETS, 'uploader.js'), 'utf8');
    // Strings of @upshot/client's params.ts and reply.ts that only a bundled copy holds.
    expect(text).toContain("The server's reply has no image URL");
    expect(text).toContain('album_id');
  });
});
