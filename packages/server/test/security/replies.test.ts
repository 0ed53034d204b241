import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { file, png } from '../helpers/images.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('page assets', () => {
  test('names of Object.prototype are not assets', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const res = await fetch(`${server.url}/assets/${name}`);
      expect({ name, status: res.status }).toEqual({ name, status: 404 });
      expect(res.headers.get('content-type') ?? '').not.toContain('function');
    }
  });

  test('the real assets are still served', async () => {
    const css = await fetch(`${server.url}/assets/upshot.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=UTF-8');
    const js = await fetch(`${server.url}/assets/uploader.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=UTF-8');
  });
});

describe('API replies are neither sniffed nor cached', () => {
  const expectHeaders = (what: string, res: Response) => {
    expect({
      what,
      nosniff: res.headers.get('x-content-type-options'),
      cache: res.headers.get('cache-control'),
    }).toEqual({ what, nosniff: 'nosniff', cache: 'no-store' });
  };
  let shade = 0;
  const source = async (field = 'source') => ({
    [field]: file(await png(17, 11, { r: 40, g: shade++ * 5, b: 9 }), 'h.png', 'image/png'),
  });

  test('upload success (JSON and text), its delete reply, and errors', async () => {
    const ok = await server.upload(await source());
    expect(ok.status).toBe(200);
    expectHeaders('upload json', ok);
    const { image } = await ok.json();

    const txt = await server.upload(await source(), { path: '/api/1/upload?format=txt' });
    expect(txt.status).toBe(200);
    expectHeaders('upload txt', txt);

    const badKey = await server.upload(await source(), { key: 'nope' });
    expect(badKey.status).toBe(401);
    expectHeaders('error json', badKey);

    const badKeyTxt = await server.upload(await source(), {
      key: 'nope',
      path: '/api/1/upload?format=txt',
    });
    expect(badKeyTxt.status).toBe(401);
    expectHeaders('error txt', badKeyTxt);

    const unknown = await fetch(`${server.url}/api/1/nothing`);
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    expectHeaders('unknown action', unknown);

    const deleted = await fetch(image.delete_url, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expectHeaders('delete', deleted);
  });

  test('/1/upload (imgbb), success and error', async () => {
    const ok = await server.upload(await source('image'), {
      path: `/1/upload?key=${server.adminKey}`,
    });
    expect(ok.status).toBe(200);
    expect((await ok.json()).data.delete_url).toBeString();
    expectHeaders('imgbb', ok);
    const bad = await fetch(`${server.url}/1/upload?key=nope`, {
      method: 'POST',
      body: new URLSearchParams({ image: 'x' }),
    });
    expect(bad.status).toBe(401);
    expectHeaders('imgbb error', bad);
  });
});
