import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { BaselineReply, ComparisonReply, DiffReply, ErrorEnvelope } from '@upshot/schema';
import { generateUserKey, hashSecret } from '../../src/services/keys.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  api,
  type Block,
  isDiffRed,
  pixels,
  reencoded,
  screenshot,
  taller,
  uploadImage,
} from './fixtures.ts';

let server: TestServer;
let otherKey: string;

beforeAll(async () => {
  server = await startTestServer({ UPSHOT_BASELINES_KEEP: '2' });
  otherKey = generateUserKey('x');
  await server.repos.users.createWithKey({
    username: 'other',
    isAdmin: false,
    keyHash: hashSecret(otherKey),
    keyLabel: 'ci',
    now: new Date(),
  });
});
afterAll(() => server?.stop());

async function expectError(response: Response, status: number, message: string | RegExp) {
  const body = await response.json();
  expect(Value.Check(ErrorEnvelope, body)).toBe(true);
  expect({ status: response.status, message: body.error.message }).toEqual({
    status,
    message: typeof message === 'string' ? message : expect.stringMatching(message),
  });
}

const CHANGE: Block = { x: 120, y: 70, w: 40, h: 24, color: '#d4380d' };
const W = 320;
const H = 200;

describe('baselines', () => {
  test('a set records each name with its image, md5 and size; the latest is read back', async () => {
    const home = await screenshot(W, H, { seed: 1 });
    const image = await uploadImage(server, home, 'home.png');
    const res = await api(server).post('/api/1/baselines', {
      project: 'acme/web#screens',
      branch: 'main',
      commit: 'a'.repeat(40),
      files: [{ name: 'pages/home.png', image_id: image.id_encoded }],
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Value.Errors(BaselineReply, body).First()).toBeUndefined();
    expect(body.baseline.files).toEqual([
      {
        name: 'pages/home.png',
        md5: image.md5,
        width: W,
        height: H,
        image: expect.objectContaining({ id: image.id_encoded, url: image.url }),
      },
    ]);
    const latest = await api(server).get(
      `/api/1/baselines?project=${encodeURIComponent('acme/web#screens')}&branch=main`,
    );
    expect(latest.status).toBe(200);
    expect((await latest.json()).baseline.id).toBe(body.baseline.id);
    // Another user has no such set: sets belong to the key's user.
    await expectError(
      await api(server, otherKey).get(
        `/api/1/baselines?project=${encodeURIComponent('acme/web#screens')}&branch=main`,
      ),
      404,
      'Not found',
    );
  });

  test('keys, bodies and images are checked', async () => {
    const mine = await uploadImage(server, await screenshot(W, H, { seed: 2 }), 'mine.png');
    const files = [{ name: 'a.png', image_id: mine.id_encoded }];
    const body = { project: 'p', branch: 'main', files };
    await expectError(
      await api(server, null).post('/api/1/baselines', body),
      401,
      'No key provided',
    );
    await expectError(
      await api(server, 'nope-nope-nope-nope-nope-nope-nope-nope').post('/api/1/baselines', body),
      401,
      'Invalid API key.',
    );
    await expectError(
      await api(server, server.guestKey).post('/api/1/baselines', body),
      403,
      'Request denied',
    );
    await expectError(
      await api(server).post('/api/1/baselines', { ...body, branch: '' }),
      400,
      'Invalid branch',
    );
    await expectError(
      await api(server).post('/api/1/baselines', { ...body, files: [{ name: 'a.png' }] }),
      400,
      'Invalid files.0.image_id',
    );
    await expectError(await api(server).post('/api/1/baselines', '{nope'), 400, /request body/);
    await expectError(
      await api(server).post('/api/1/baselines', { ...body, files: [...files, ...files] }),
      400,
      'Duplicate file name: a.png',
    );
    // Someone else's image can't be put in my set.
    await expectError(
      await api(server, otherKey).post('/api/1/baselines', body),
      400,
      `Image not found: ${mine.id_encoded} (a.png)`,
    );
  });

  test('only the newest UPSHOT_BASELINES_KEEP sets of a branch are kept; their images stay', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const image = await uploadImage(
        server,
        await screenshot(W, H, { seed: 10 + i }),
        `k${i}.png`,
      );
      ids.push(image.id_encoded);
      const res = await api(server).post('/api/1/baselines', {
        project: 'prune',
        branch: 'main',
        files: [{ name: 'k.png', image_id: image.id_encoded }],
      });
      expect(res.status).toBe(200);
    }
    // Another branch keeps its own.
    await api(server).post('/api/1/baselines', {
      project: 'prune',
      branch: 'release',
      files: [{ name: 'k.png', image_id: ids[0] }],
    });
    const sets = server.upshot.database
      .sqlite!.handle.query<{ branch: string; n: number }, []>(
        "SELECT branch, count(*) AS n FROM baseline_sets WHERE project = 'prune' GROUP BY branch ORDER BY branch",
      )
      .all();
    expect(sets).toEqual([
      { branch: 'main', n: 2 },
      { branch: 'release', n: 1 },
    ]);
    const latest = await (
      await api(server).get('/api/1/baselines?project=prune&branch=main')
    ).json();
    expect(latest.baseline.files[0].image.id).toBe(ids[2]);
    for (const id of ids) {
      expect(
        await server.repos.images.findLive(server.instance.ids.decode(id)!, new Date()),
      ).not.toBeNull();
    }
  });
});

describe('comparisons', () => {
  let comparison: ComparisonReply['comparison'];
  const shots: Record<string, Uint8Array<ArrayBuffer>> = {};

  beforeAll(async () => {
    shots.same = await screenshot(W, H, { seed: 3 });
    shots.changedBefore = await screenshot(W, H, { seed: 4 });
    shots.changedAfter = await screenshot(W, H, { seed: 4, blocks: [CHANGE] });
    shots.removed = await screenshot(W, H, { seed: 5 });
    shots.added = await screenshot(W, H, { seed: 6 });
    shots.resizedBefore = await screenshot(W, H, { seed: 7 });
    shots.resizedAfter = await taller(shots.resizedBefore, 40);
    shots.crisp = await screenshot(W, H, { seed: 8, crisp: true });
    shots.smooth = await screenshot(W, H, { seed: 8 });
    shots.reencodedBefore = await screenshot(W, H, { seed: 9 });
    shots.reencodedAfter = await reencoded(shots.reencodedBefore);
    const up = async (key: string) =>
      (await uploadImage(server, shots[key]!, `${key}.png`)).id_encoded;
    const base = await api(server).post('/api/1/baselines', {
      project: 'compare',
      branch: 'main',
      commit: 'b'.repeat(40),
      files: [
        { name: 'same.png', image_id: await up('same') },
        { name: 'dir/changed.png', image_id: await up('changedBefore') },
        { name: 'removed.png', image_id: await up('removed') },
        { name: 'resized.png', image_id: await up('resizedBefore') },
        { name: 'aa.png', image_id: await up('crisp') },
        { name: 'reencoded.png', image_id: await up('reencodedBefore') },
      ],
    });
    expect(base.status).toBe(200);
    const res = await api(server).post('/api/1/compare', {
      project: 'compare',
      base_branch: 'main',
      head_branch: 'feature/x',
      pull_request: 7,
      commit: 'c'.repeat(40),
      files: [
        { name: 'same.png', image_id: await up('same') },
        { name: 'dir/changed.png', image_id: await up('changedAfter') },
        { name: 'added.png', image_id: await up('added') },
        { name: 'resized.png', image_id: await up('resizedAfter') },
        { name: 'aa.png', image_id: await up('smooth') },
        { name: 'reencoded.png', image_id: await up('reencodedAfter') },
      ],
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Value.Errors(ComparisonReply, body).First()).toBeUndefined();
    comparison = body.comparison;
  });

  const file = (name: string) => comparison.files.find((f) => f.name === name)!;

  test('each file is changed, added, removed or unchanged; changed first, then by name', () => {
    expect(comparison.summary).toEqual({ changed: 2, added: 1, removed: 1, unchanged: 3 });
    expect(comparison.files.map((f) => [f.status, f.name])).toEqual([
      ['changed', 'dir/changed.png'],
      ['changed', 'resized.png'],
      ['added', 'added.png'],
      ['removed', 'removed.png'],
      ['unchanged', 'aa.png'],
      ['unchanged', 'reencoded.png'],
      ['unchanged', 'same.png'],
    ]);
    expect(comparison).toMatchObject({
      base_branch: 'main',
      head_branch: 'feature/x',
      pull_request: 7,
      threshold: 0.1,
      baseline: { commit: 'b'.repeat(40) },
      url: `${server.url}/compare/${comparison.id}`,
    });
  });

  test('other bytes with the same pixels, and anti-aliasing alone, are unchanged', () => {
    expect(file('reencoded.png').before!.md5).not.toBe(file('reencoded.png').after!.md5);
    expect(file('aa.png').before!.md5).not.toBe(file('aa.png').after!.md5);
    for (const name of ['reencoded.png', 'aa.png', 'same.png']) {
      expect(file(name)).toMatchObject({ status: 'unchanged', diff: null, changed_pixels: 0 });
    }
  });

  test('a changed file has a diff image showing the changed region and nothing else', async () => {
    const changed = file('dir/changed.png');
    expect(changed.changed_pixels).toBe(CHANGE.w * CHANGE.h);
    expect(changed.total_pixels).toBe(W * H);
    expect(changed.changed_ratio).toBeCloseTo((CHANGE.w * CHANGE.h) / (W * H), 10);
    const [before, after, diff] = await Promise.all(
      [changed.before!, changed.after!, changed.diff!].map(async (image) => {
        const res = await fetch(image.url);
        expect(res.status).toBe(200);
        return new Uint8Array(await res.arrayBuffer());
      }),
    );
    expect(before).toEqual(shots.changedBefore!);
    expect(after).toEqual(shots.changedAfter!);
    const { data, width, height } = await pixels(diff!);
    expect([width, height]).toEqual([W, H]);
    let inside = 0;
    const outside: string[] = [];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const red = isDiffRed(data, (y * width + x) * 4);
        const within =
          x >= CHANGE.x && x < CHANGE.x + CHANGE.w && y >= CHANGE.y && y < CHANGE.y + CHANGE.h;
        if (within && red) inside++;
        if (!within && red) outside.push(`${x},${y}`);
      }
    }
    expect(outside).toEqual([]);
    expect(inside).toBe(CHANGE.w * CHANGE.h);
    // Unchanged pixels are faded: the dark header bar of the page is light in the diff.
    const header = (10 * width + 10) * 4;
    expect(Math.min(data[header]!, data[header + 1]!, data[header + 2]!)).toBeGreaterThan(200);
    // The diff is an upload of the key's user like any other: it has a preview and a viewer.
    expect((await fetch(changed.diff!.viewer_url)).status).toBe(200);
  });

  test('a size change is a change: the diff covers the overlap, the rest counts as changed', async () => {
    const resized = file('resized.png');
    expect(resized).toMatchObject({
      status: 'changed',
      size_changed: true,
      total_pixels: W * (H + 40),
      changed_pixels: W * 40,
      before: { width: W, height: H },
      after: { width: W, height: H + 40 },
      diff: { width: W, height: H },
    });
  });

  test('added files have no before, removed ones link the baseline image', () => {
    expect(file('added.png')).toMatchObject({ before: null, diff: null });
    expect(file('added.png').after).not.toBeNull();
    expect(file('removed.png')).toMatchObject({ after: null, diff: null });
    expect(file('removed.png').before?.url).toContain('/images/');
  });

  test('the review page shows the comparison; an unknown id is 404', async () => {
    const page = await fetch(comparison.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const text = await page.text();
    for (const part of [
      'Visual review: compare',
      '2 changed, 1 new, 1 removed, 3 unchanged',
      'Changed (2)',
      'dir/changed.png',
      'New (1)',
      'Removed (1)',
      'Unchanged (3)',
      'Pull request #7',
      comparison.files[0]!.diff!.url,
    ])
      expect(text).toContain(part);
    const zh = await fetch(comparison.url, { headers: { 'Accept-Language': 'zh-CN' } });
    expect(await zh.text()).toContain('2 个变更，1 个新增，1 个移除，3 个未变');
    expect((await fetch(`${server.url}/compare/zzzzzz`)).status).toBe(404);
    const js = await fetch(`${server.url}/compare/assets/review.js`);
    expect([js.status, js.headers.get('content-type')]).toEqual([
      200,
      'text/javascript; charset=UTF-8',
    ]);
  });

  test('with no baseline on the base branch every file is new', async () => {
    const image = await uploadImage(server, await screenshot(W, H, { seed: 20 }), 'n.png');
    const res = await api(server).post('/api/1/compare', {
      project: 'compare',
      base_branch: 'develop',
      files: [{ name: 'n.png', image_id: image.id_encoded }],
    });
    const { comparison: fresh } = await res.json();
    expect(fresh.baseline).toBeNull();
    expect(fresh.summary).toEqual({ changed: 0, added: 1, removed: 0, unchanged: 0 });
  });

  test('comparisons of a pull request past the newest UPSHOT_BASELINES_KEEP go, with their diff images', async () => {
    const before = await uploadImage(server, await screenshot(W, H, { seed: 30 }), 'p0.png');
    await api(server).post('/api/1/baselines', {
      project: 'prs',
      branch: 'main',
      files: [{ name: 'p.png', image_id: before.id_encoded }],
    });
    const made: ComparisonReply['comparison'][] = [];
    for (let i = 0; i < 3; i++) {
      const after = await uploadImage(
        server,
        await screenshot(W, H, { seed: 30, blocks: [{ ...CHANGE, x: 10 + i * 60 }] }),
        `p${i + 1}.png`,
      );
      const res = await api(server).post('/api/1/compare', {
        project: 'prs',
        base_branch: 'main',
        pull_request: 1,
        files: [{ name: 'p.png', image_id: after.id_encoded }],
      });
      made.push((await res.json()).comparison);
    }
    const firstDiff = made[0]!.files[0]!.diff!;
    expect((await fetch(made[0]!.url)).status).toBe(404);
    expect((await fetch(made[1]!.url)).status).toBe(200);
    expect((await fetch(made[2]!.url)).status).toBe(200);
    await server.upshot.sweepNow();
    expect((await fetch(firstDiff.url)).status).toBe(404);
    expect((await fetch(made[1]!.files[0]!.diff!.url)).status).toBe(200);
    // The screenshots themselves stay until their own expiry.
    expect((await fetch(made[0]!.files[0]!.after!.url)).status).toBe(200);
  });
});

describe('POST /api/1/diff', () => {
  const form = (a: Uint8Array<ArrayBuffer>, b: Uint8Array<ArrayBuffer>, threshold?: string) => {
    const body = new FormData();
    body.append('a', new File([a], 'a.png'));
    body.append('b', new File([b], 'b.png'));
    if (threshold !== undefined) body.append('threshold', threshold);
    return body;
  };

  test('answers the counts and the diff image, and stores nothing', async () => {
    const a = await screenshot(W, H, { seed: 40 });
    const b = await screenshot(W, H, { seed: 40, blocks: [CHANGE] });
    const rows = await server.imageCount();
    const res = await api(server).form('/api/1/diff', form(a, b));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Value.Errors(DiffReply, body).First()).toBeUndefined();
    expect(body.diff).toMatchObject({
      identical: false,
      changed: true,
      size_changed: false,
      width: W,
      height: H,
      changed_pixels: CHANGE.w * CHANGE.h,
      total_pixels: W * H,
      threshold: 0.1,
    });
    const diff = await pixels(Buffer.from(body.diff.image, 'base64'));
    expect(diff.width).toBe(W);
    expect(isDiffRed(diff.data, ((CHANGE.y + 1) * W + CHANGE.x + 1) * 4)).toBe(true);
    expect(isDiffRed(diff.data, (5 * W + 5) * 4)).toBe(false);
    expect(await server.imageCount()).toBe(rows);

    const same = await (await api(server).form('/api/1/diff', form(a, a))).json();
    expect(same.diff).toMatchObject({ identical: true, changed: false, image: null });
  });

  test('refuses the guest key, a bad threshold, and bytes that are no image', async () => {
    const a = await screenshot(40, 30);
    await expectError(
      await api(server, server.guestKey).form('/api/1/diff', form(a, a)),
      403,
      'Request denied',
    );
    await expectError(
      await api(server).form('/api/1/diff', form(a, a, '2')),
      400,
      'Invalid threshold',
    );
    await expectError(
      await api(server).form('/api/1/diff', form(a, new TextEncoder().encode('hello'))),
      400,
      'Invalid image',
    );
    const noB = new FormData();
    noB.append('a', new File([a], 'a.png'));
    await expectError(await api(server).form('/api/1/diff', noB), 400, 'Invalid b');
  });
});

test('the OpenAPI document describes the review routes and their schemas', async () => {
  const doc = await (await fetch(`${server.url}/api/openapi.json`)).json();
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining(['/api/1/baselines', '/api/1/compare', '/api/1/diff']),
  );
  expect(doc.paths['/api/1/compare'].post.requestBody.content['application/json'].schema).toEqual({
    $ref: '#/components/schemas/CompareInput',
  });
  for (const name of [
    'BaselineInput',
    'BaselineReply',
    'CompareInput',
    'ComparisonReply',
    'DiffReply',
  ]) {
    expect(doc.components.schemas[name]).toBeDefined();
  }
  expect(doc.components.schemas.Image.properties.type.anyOf).toContainEqual({
    const: 'file',
    type: 'string',
  });
});
