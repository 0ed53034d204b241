// The shape of the server, kept by a test: lower folders never import higher ones, and
// only the HTTP layer turns errors into the contract's envelope (README: Development).
import { describe, expect, test } from 'bun:test';
import { readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = join(import.meta.dir, '..', 'src');

/** Each folder (or file) of src/ and its layer: a file may import its own layer and lower. */
const LAYERS: Array<[string, number]> = [
  ['config.ts', 0],
  ['paths.ts', 0],
  ['crypto.ts', 0],
  ['config', 0],
  ['logger.ts', 0],
  ['i18n', 0],
  ['db', 1],
  ['storage', 1],
  ['media', 1],
  ['fetch', 1],
  ['services', 2],
  ['jobs', 3],
  ['http', 4],
  ['web', 5],
  ['app.ts', 6],
  ['server.ts', 6],
  ['index.ts', 7],
  ['main.ts', 7],
  ['bundle.ts', 7],
  ['admin', 7],
];

function layerOf(path: string): { name: string; layer: number } {
  const top = relative(SRC, path).split('/')[0] ?? '';
  const found = LAYERS.find(([name]) => name === top);
  if (!found) throw new Error(`src/${top} has no layer: add it to this test`);
  return { name: found[0], layer: found[1] };
}

async function sourceFiles(): Promise<string[]> {
  const entries = await readdir(SRC, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('architecture', () => {
  test('lower folders never import higher ones', async () => {
    const violations: string[] = [];
    for (const file of await sourceFiles()) {
      const from = layerOf(file);
      const text = await Bun.file(file).text();
      for (const match of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = resolve(dirname(file), match[1]!);
        if (!target.startsWith(SRC)) continue;
        const to = layerOf(target);
        if (to.layer > from.layer) {
          violations.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  test('services and the layers below know nothing of HTTP or the envelope', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles()) {
      if (layerOf(file).layer > 3) continue;
      const text = await Bun.file(file).text();
      if (/from '[^']*(elysia|http\/api-error|@upshot\/schema)[^']*'.*|ApiErrors\./.test(text)) {
        // The schema is allowed for types and limits, never for the error table.
        if (/ApiErrors\.|from 'elysia'|http\/api-error/.test(text)) {
          offenders.push(relative(SRC, file));
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  test('sharp is loaded only through media/sharp.ts, which sets the allocator up first', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles()) {
      if (relative(SRC, file) === 'media/sharp.ts') continue;
      const text = await Bun.file(file).text();
      if (/from 'sharp'|import\('sharp'\)|require\('sharp'\)/.test(text)) {
        offenders.push(relative(SRC, file));
      }
    }
    expect(offenders).toEqual([]);
  });
});
