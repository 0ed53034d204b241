import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { api, screenshot, uploadImage } from './fixtures.ts';

// The review tables and queries on PostgreSQL: the same repository code as on SQLite.
setDefaultTimeout(120_000);

let pg: TestPostgres;
let server: TestServer;

beforeAll(async () => {
  pg = await startPostgres();
  server = await startTestServer({ UPSHOT_DATABASE_URL: pg.url, UPSHOT_BASELINES_KEEP: '1' });
});
afterAll(async () => {
  await server?.stop();
  await pg?.stop();
});

test('on PostgreSQL: sets are recorded and pruned, a comparison is stored and shown', async () => {
  const block = { x: 20, y: 50, w: 30, h: 20, color: '#cf222e' };
  const id = async (seed: number, name: string, blocks = [] as (typeof block)[]) =>
    (await uploadImage(server, await screenshot(200, 120, { seed, blocks }), name)).id_encoded;
  for (const branch of ['main', 'main']) {
    const res = await api(server).post('/api/1/baselines', {
      project: 'pg',
      branch,
      files: [
        { name: 'a.png', image_id: await id(1, 'a.png') },
        { name: 'b.png', image_id: await id(2, 'b.png') },
      ],
    });
    expect(res.status).toBe(200);
  }
  expect(await pg.query("select count(*) from baseline_sets where project = 'pg'")).toBe('1\n');
  const res = await api(server).post('/api/1/compare', {
    project: 'pg',
    base_branch: 'main',
    pull_request: 5,
    threshold: 0.05,
    files: [{ name: 'a.png', image_id: await id(1, 'a2.png', [block]) }],
  });
  expect(res.status).toBe(200);
  const { comparison } = await res.json();
  expect(comparison.summary).toEqual({ changed: 1, added: 0, removed: 1, unchanged: 0 });
  expect(comparison.threshold).toBe(0.05);
  expect(comparison.files[0].changed_pixels).toBe(block.w * block.h);
  const page = await fetch(comparison.url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('1 changed, 0 new, 1 removed, 0 unchanged');
});
