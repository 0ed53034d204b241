import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { safeLocalPath } from '../../src/http/safe-path.ts';
import { createAgent, signUp } from '../accounts/agent.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Targets that must never be followed: each leaves the origin in some browser, or breaks the header. */
const OFF_SITE = [
  'https://evil.example/',
  '//evil.example/',
  '/\\evil.example/',
  '\\/evil.example/',
  '/\\/evil.example/',
  '/x\\..\\..\\evil',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r/evil.example',
  '/\r\nSet-Cookie: x=1',
  '/a\u0000b',
  '/a\u0085b', // C1 next line
  '/a\u009bb', // C1 control sequence introducer
  '/a\u007fb',
  '/a\u2028b', // line separator
  '/a\u202eb', // right-to-left override
  ' /evil',
  'evil.example',
  'javascript:alert(1)',
  '',
];

describe('safeLocalPath', () => {
  test.each(OFF_SITE.map((value) => [JSON.stringify(value), value]))(
    '%s goes to the fallback',
    (_, value) => {
      expect(safeLocalPath(value, '/fallback')).toBe('/fallback');
    },
  );

  test('null and undefined go to the fallback', () => {
    expect(safeLocalPath(null, '/f')).toBe('/f');
    expect(safeLocalPath(undefined, '/f')).toBe('/f');
  });

  test('local paths are kept, with query and fragment; non-ASCII comes back percent-encoded', () => {
    expect(safeLocalPath('/', '/f')).toBe('/');
    expect(safeLocalPath('/settings', '/f')).toBe('/settings');
    expect(safeLocalPath('/album/abc?page=2#top', '/f')).toBe('/album/abc?page=2#top');
    expect(safeLocalPath('/a/../b', '/f')).toBe('/b');
    expect(safeLocalPath('/bild/größe', '/f')).toBe('/bild/gr%C3%B6%C3%9Fe');
    expect(safeLocalPath('/%2F%2Fevil.example', '/f')).toBe('/%2F%2Fevil.example');
  });
});

describe('redirects to a user-supplied target', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const lang = (next: string) =>
    fetch(`${server.url}/lang/en?next=${next}`, { redirect: 'manual' });

  test('the language switch goes back to a local path only', async () => {
    const cases: [string, string][] = [
      ['/%5Cevil.example/', '/'],
      ['/%09/evil.example', '/'],
      ['//evil.example', '/'],
      ['https://evil.example/', '/'],
      ['/%0D%0ASet-Cookie:%20x=1', '/'],
      ['/%0Aevil', '/'],
      ['/%C2%85evil', '/'],
      ['/%E2%82%AC', '/%E2%82%AC'],
      ['/signin%3Fa%3D1', '/signin?a=1'],
    ];
    for (const [next, location] of cases) {
      const res = await lang(next);
      expect({ next, status: res.status, location: res.headers.get('location') }).toEqual({
        next,
        status: 303,
        location,
      });
    }
  });

  test('sign-in goes on to a local `next` only, and never fails on control characters', async () => {
    await signUp(server.url, 'redirected', 'a long password');
    // As the form posts them (the browser decodes `?next=/%09/evil.example` into a tab).
    const cases: [string, string][] = [
      ['/\t/evil.example', '/account'],
      ['/\\evil.example/', '/account'],
      ['/\r\nSet-Cookie: x=1', '/account'],
      ['/settings', '/settings'],
    ];
    for (const [next, location] of cases) {
      const agent = createAgent(server.url);
      await agent.get('/signin');
      const { res } = await agent.post('/signin', {
        login: 'redirected',
        password: 'a long password',
        next,
      });
      expect({ next, status: res.status, location: res.headers.get('location') }).toEqual({
        next,
        status: 303,
        location,
      });
      // Already signed in, /signin?next= redirects at once: the same rule applies.
      const again = await agent.fetch(`/signin?next=${encodeURIComponent(next)}`);
      expect({ next, status: again.status, location: again.headers.get('location') }).toEqual({
        next,
        status: 303,
        location,
      });
    }
  });

  test('the sign-in form does not carry an off-site `next` along', async () => {
    const { text } = await createAgent(server.url).get('/signin?next=/%5Cevil.example/');
    expect(/name="next" value="([^"]*)"/.exec(text)?.[1]).toBe('');
  });
});
