import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';

// Each test starts servers and real Node processes: give a slow CI core room.
setDefaultTimeout(60_000);

import { type FakeGitHub, startFakeGitHub } from './helpers/fake-github.ts';
import { makePng, pngSize } from './helpers/png.ts';
import { parseFileCommands } from './helpers/run-action.ts';
import { md5 } from './helpers/scenario.ts';

/** The fake is only worth something if it refuses what GitHub would. */

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function github(options: Parameters<typeof startFakeGitHub>[0] = {}): Promise<FakeGitHub> {
  const gh = await startFakeGitHub(options);
  stops.push(gh.stop);
  return gh;
}

const call = (gh: FakeGitHub, method: string, path: string, body?: unknown, token = gh.token) =>
  fetch(`${gh.url}${path}`, {
    method,
    headers: {
      authorization: `token ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('fake GitHub API', () => {
  test('refuses what the OpenAPI description does not allow, and records it', async () => {
    const gh = await github();
    const cases: Array<[string, string, unknown, number]> = [
      ['GET', '/repos/acme/webapp/no-such-thing', undefined, 404],
      ['PUT', '/repos/acme/webapp/issues/comments/5', { body: 'x' }, 405],
      ['POST', '/repos/acme/webapp/issues/42/comments', { text: 'wrong field' }, 422],
      ['POST', '/repos/acme/webapp/issues/42/comments', { body: 42 }, 422],
      ['POST', '/repos/acme/webapp/issues/42/comments', undefined, 422],
      ['GET', '/repos/acme/webapp/issues/forty-two/comments', undefined, 422],
      ['GET', '/repos/acme/webapp/issues/42/comments?per_page=many', undefined, 422],
      ['GET', '/repos/acme/webapp/issues/42/comments?colour=blue', undefined, 422],
      ['GET', '/repos/acme/webapp/pulls?state=merged', undefined, 422],
      ['PATCH', '/repos/acme/webapp/issues/comments/abc', { body: 'x' }, 422],
    ];
    for (const [method, path, body, status] of cases) {
      expect(`${method} ${path} ${(await call(gh, method, path, body)).status}`).toBe(
        `${method} ${path} ${status}`,
      );
    }
    expect(gh.violations).toHaveLength(cases.length);
    expect(gh.comments).toEqual([]);
  });

  test('refuses a wrong token and a path outside the Enterprise prefix', async () => {
    const gh = await github({ prefix: '/api/v3' });
    expect(
      (await call(gh, 'GET', '/repos/acme/webapp/issues/1/comments', undefined, 'nope')).status,
    ).toBe(401);
    const bare = await fetch(`${gh.origin}/repos/acme/webapp/issues/1/comments`, {
      headers: { authorization: `token ${gh.token}` },
    });
    expect(bare.status).toBe(404);
    expect(gh.violations).toHaveLength(2);
  });

  test('keeps comments, pages them with Link headers, and answers GitHub-shaped objects', async () => {
    const gh = await github({ maxPerPage: 2 });
    for (let i = 0; i < 5; i++) {
      expect(
        (await call(gh, 'POST', '/repos/acme/webapp/issues/42/comments', { body: `c${i}` })).status,
      ).toBe(201);
    }
    const first = await call(gh, 'GET', '/repos/acme/webapp/issues/42/comments?per_page=100');
    const link = first.headers.get('link') ?? '';
    expect(link).toContain(
      `<${gh.url}/repos/acme/webapp/issues/42/comments?per_page=2&page=2>; rel="next"`,
    );
    expect(link).toContain('page=3>; rel="last"');
    const bodies: string[] = [];
    let next: string | undefined = `${gh.url}/repos/acme/webapp/issues/42/comments?per_page=100`;
    while (next) {
      const response: Response = await fetch(next, {
        headers: { authorization: `token ${gh.token}` },
      });
      bodies.push(...((await response.json()) as Array<{ body: string }>).map((c) => c.body));
      next = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    expect(bodies).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    const [comment] = (await first.json()) as Array<Record<string, unknown>>;
    expect(comment).toEqual({
      id: 1000,
      node_id: 'IC_1000',
      url: `${gh.url}/repos/acme/webapp/issues/comments/1000`,
      html_url: `${gh.origin}/acme/webapp/pull/42#issuecomment-1000`,
      issue_url: `${gh.url}/repos/acme/webapp/issues/42`,
      body: 'c0',
      user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot', site_admin: false },
      created_at: '2026-01-01T00:00:01Z',
      updated_at: '2026-01-01T00:00:01Z',
      author_association: 'NONE',
      performed_via_github_app: { id: 15368, slug: 'github-actions', name: 'GitHub Actions' },
    });
    expect(gh.violations).toEqual([]);
  });

  test('a read-only token reads but may not write; the bot cannot read /user', async () => {
    const gh = await github({ readOnly: true });
    const refused = await call(gh, 'POST', '/repos/acme/webapp/issues/42/comments', { body: 'x' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toBe(
      'Resource not accessible by integration',
    );
    expect((await call(gh, 'GET', '/repos/acme/webapp/issues/42/comments')).status).toBe(200);
    expect((await call(gh, 'GET', '/user')).status).toBe(403);
    expect(gh.violations).toEqual([]);
  });

  test('refuses a comment body over 65,536 characters as GitHub does', async () => {
    const gh = await github();
    const response = await call(gh, 'POST', '/repos/acme/webapp/issues/42/comments', {
      body: 'x'.repeat(65_537),
    });
    expect(response.status).toBe(422);
    expect(
      (
        await call(gh, 'POST', '/repos/acme/webapp/issues/42/comments', {
          body: 'x'.repeat(65_536),
        })
      ).status,
    ).toBe(201);
  });
});

test('makePng writes a PNG of the asked size, different per seed', () => {
  const a = makePng(7, 5, 1);
  expect(pngSize(a)).toEqual({ width: 7, height: 5 });
  expect(md5(a)).not.toBe(md5(makePng(7, 5, 2)));
  expect(md5(a)).toBe(md5(makePng(7, 5, 1)));
  // Seeds past 255 too (the long-comment case writes 320 distinct screenshots).
  const sums = new Set(Array.from({ length: 320 }, (_, i) => md5(makePng(4, 4, i))));
  expect(sums.size).toBe(320);
});

test('parseFileCommands reads the runner file-command format', () => {
  const text =
    'urls<<ghadelimiter_1\na\nb\nghadelimiter_1\ncomment-id<<ghadelimiter_2\n7\nghadelimiter_2\n';
  expect(parseFileCommands(text)).toEqual({ urls: 'a\nb', 'comment-id': '7' });
});
