import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { file, png } from '../helpers/images.ts';
import { startTestServer, type TestServer, toForm } from '../helpers/server.ts';
import { type Agent, createAgent, createKey, signUp } from './agent.ts';

let server: TestServer;
let db: Database;

beforeAll(async () => {
  server = await startTestServer({ UPSHOT_GUEST_EXPIRATION: 'P1D' });
  db = new Database(join(server.dataDir, 'upshot.sqlite'), { readonly: true });
});
afterAll(async () => {
  db.close();
  await server.stop();
});

const row = <T>(sql: string, ...params: (string | number)[]): T =>
  db.query(sql).get(...params) as T;
const errorOf = (text: string) =>
  /<p class="error" role="alert">([^<]*)<\/p>/.exec(text)?.[1] ?? null;
let counter = 0;
const pngFile = async (name: string) =>
  file(await png(30 + counter++, 20, { r: counter * 7, g: 50, b: 90 }), name, 'image/png');

async function uploadWithKey(key: string, fields: Record<string, string | Blob>) {
  return server.upload(fields, { key });
}

describe('sign-up and sign-in', () => {
  test('passwords and session tokens are stored only as hashes (argon2id, sha-256)', async () => {
    const agent = await signUp(server.url, 'hashy', 'my secret words');
    const user = row<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE username = ?',
      'hashy',
    );
    expect(user.password_hash.startsWith('$argon2id$')).toBe(true);
    expect(user.password_hash).not.toContain('my secret words');
    expect(await Bun.password.verify('my secret words', user.password_hash)).toBe(true);
    const token = agent.jar.get('upshot_session')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    const sessions = db.query('SELECT token_hash FROM sessions').all() as { token_hash: string }[];
    expect(
      sessions.some(
        (s) => s.token_hash === new Bun.CryptoHasher('sha256').update(token).digest('hex'),
      ),
    ).toBe(true);
    expect(sessions.some((s) => s.token_hash.includes(token))).toBe(false);
  });

  test('the session cookie is HttpOnly and SameSite=Lax', async () => {
    const res = await fetch(`${server.url}/signin`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('upshot_session='));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure');
  });

  test('a wrong password and an unknown account get the same answer, naming neither part', async () => {
    await signUp(server.url, 'walter', 'the right password');
    const attempt = async (login: string, password: string) => {
      const agent = createAgent(server.url);
      await agent.get('/signin');
      const { res, text } = await agent.post('/signin', { login, password });
      return { status: res.status, error: errorOf(text), signedIn: text.includes('/signout') };
    };
    const wrongPassword = await attempt('walter', 'not the password');
    const unknownUser = await attempt('nobody-here', 'the right password');
    const wrongEmail = await attempt('walter@example.org', 'the right password');
    expect(wrongPassword).toEqual({
      status: 401,
      error: 'Wrong username, email or password.',
      signedIn: false,
    });
    expect(unknownUser).toEqual(wrongPassword);
    expect(wrongEmail).toEqual(wrongPassword);
    // Username (any case) and email both work with the right password.
    for (const login of ['WALTER', 'walter@example.com']) {
      const agent = createAgent(server.url);
      await agent.get('/signin');
      const { res } = await agent.post('/signin', { login, password: 'the right password' });
      expect(res.status).toBe(303);
      expect((await agent.get('/account')).res.status).toBe(200);
    }
  });

  test('sign-up rules: short password, bad name, name taken', async () => {
    const agent = createAgent(server.url);
    await agent.get('/signup');
    expect(
      errorOf((await agent.post('/signup', { username: 'shorty', password: 'short' })).text),
    ).toBe('The password must have at least 8 characters.');
    expect(
      errorOf((await agent.post('/signup', { username: 'a b', password: 'long enough pw' })).text),
    ).toBe('The username must be 3 to 32 letters, digits, _ or -.');
    const taken = await agent.post('/signup', { username: 'Walter', password: 'long enough pw' });
    expect({ status: taken.res.status, error: errorOf(taken.text) }).toEqual({
      status: 409,
      error: 'That username is already used.',
    });
    expect(
      row<{ n: number }>("SELECT count(*) AS n FROM users WHERE username IN ('shorty', 'a b')").n,
    ).toBe(0);
  });

  test('signing out ends the session: the old cookie no longer signs in', async () => {
    const agent = await signUp(server.url, 'leaver');
    const old = agent.jar.get('upshot_session')!;
    const { res } = await agent.post('/signout');
    expect(res.status).toBe(303);
    expect(agent.jar.get('upshot_session')).not.toBe(old);
    const replay = await fetch(`${server.url}/account`, {
      headers: { Cookie: `upshot_session=${old}` },
      redirect: 'manual',
    });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toStartWith('/signin');
  });

  test('the admin (no password yet) signs in once with its API key, then sets a password', async () => {
    const agent = createAgent(server.url);
    await agent.get('/signin');
    expect(
      (
        await agent.post('/signin', {
          login: 'admin',
          password: 'not-the-key-at-all-0000000000000000',
        })
      ).res.status,
    ).toBe(401);
    expect(
      (await agent.post('/signin', { login: 'admin', password: server.adminKey })).res.status,
    ).toBe(303);
    const settings = await agent.get('/settings');
    expect(settings.text).toContain('Your account has no password yet');
    expect(
      (await agent.post('/settings/password', { password: 'admin password 1' })).res.status,
    ).toBe(303);
    // Now the key no longer works as a password, the password does.
    const again = createAgent(server.url);
    await again.get('/signin');
    expect(
      (await again.post('/signin', { login: 'admin', password: server.adminKey })).res.status,
    ).toBe(401);
    expect(
      (await again.post('/signin', { login: 'admin', password: 'admin password 1' })).res.status,
    ).toBe(303);
  });
});

describe('CSRF', () => {
  test('every state-changing form refuses a missing or foreign token, and changes nothing', async () => {
    const alice = await signUp(server.url, 'csrf-alice');
    const mallory = await signUp(server.url, 'csrf-mallory');
    const foreign = mallory.csrf;
    const keysBefore = row<{ n: number }>('SELECT count(*) AS n FROM api_keys').n;
    for (const token of [null, '', foreign]) {
      expect(
        (await alice.post('/settings/keys', { label: 'stolen' }, { csrf: token })).res.status,
      ).toBe(403);
      expect((await alice.post('/albums', { name: 'forged' }, { csrf: token })).res.status).toBe(
        403,
      );
      expect(
        (await alice.post('/settings/expiration', { expiration: 'PT5M' }, { csrf: token })).res
          .status,
      ).toBe(403);
      expect((await alice.post('/signout', {}, { csrf: token })).res.status).toBe(403);
    }
    expect(row<{ n: number }>('SELECT count(*) AS n FROM api_keys').n).toBe(keysBefore);
    expect(row<{ n: number }>("SELECT count(*) AS n FROM albums WHERE name = 'forged'").n).toBe(0);
    expect(
      row<{ d: string | null }>(
        "SELECT default_expiration AS d FROM users WHERE username = 'csrf-alice'",
      ).d,
    ).toBeNull();
    expect((await alice.get('/account')).res.status).toBe(200);

    // Sign-up and sign-in forms need it too.
    const fresh = createAgent(server.url);
    await fresh.get('/signup');
    expect(
      (
        await fresh.post(
          '/signup',
          { username: 'no-token', password: 'long enough pw' },
          { csrf: null },
        )
      ).res.status,
    ).toBe(403);
    expect(
      row<{ n: number }>("SELECT count(*) AS n FROM users WHERE username = 'no-token'").n,
    ).toBe(0);

    // The page uploader's session auth: a wrong token is refused and stores nothing.
    const before = await server.imageCount();
    const bad = await alice.upload(toForm({ source: await pngFile('x.png') }), foreign);
    expect(bad.status).toBe(403);
    expect((await bad.json()).error).toEqual({ message: 'Invalid CSRF token', code: 403 });
    // Without a token (and without a key) the contract's answer is unchanged.
    const none = await alice.upload(toForm({ source: await pngFile('y.png') }), null);
    expect({ status: none.status, error: (await none.json()).error }).toEqual({
      status: 401,
      error: { message: 'No key provided', code: 100 },
    });
    expect(await server.imageCount()).toBe(before);
    const good = await alice.upload(toForm({ source: await pngFile('z.png') }));
    expect(good.status).toBe(200);
  });
});

describe('privacy between users', () => {
  let alice: Agent;
  let bob: Agent;
  let aliceKey: string;
  let privateAlbum: string;
  let privateImage: {
    id_encoded: string;
    url_viewer: string;
    url_short: string;
    url: string;
    thumb: { url: string };
  };
  let publicImage: { id_encoded: string; url_viewer: string; url: string };

  beforeAll(async () => {
    alice = await signUp(server.url, 'alice');
    bob = await signUp(server.url, 'bob');
    aliceKey = await createKey(alice, 'laptop');
    await alice.get('/account');
    const created = await alice.post('/albums', { name: 'Secret holiday', privacy: 'private' });
    privateAlbum = created.res.headers.get('location')!.split('/').pop()!;
    const inAlbum = await uploadWithKey(aliceKey, {
      source: await pngFile('secret.png'),
      title: 'Secret picture',
      album_id: privateAlbum,
    });
    privateImage = (await inAlbum.json()).image;
    publicImage = (
      await (
        await uploadWithKey(aliceKey, { source: await pngFile('open.png'), title: 'Open picture' })
      ).json()
    ).image;
  });

  test('the owner sees the private album and image', async () => {
    const album = await alice.get(`/album/${privateAlbum}`);
    expect(album.res.status).toBe(200);
    expect(album.text).toContain('Secret picture');
    const viewer = await alice.get(new URL(privateImage.url_viewer).pathname);
    expect(viewer.res.status).toBe(200);
    expect(viewer.text).toContain('href="/edit/image/');
  });

  test('another user and a visitor get 404 for the private album, its image, and its short URL', async () => {
    const anonymous = createAgent(server.url);
    for (const agent of [bob, anonymous]) {
      expect((await agent.get(`/album/${privateAlbum}`)).res.status).toBe(404);
      const viewer = await agent.get(new URL(privateImage.url_viewer).pathname);
      expect(viewer.res.status).toBe(404);
      expect(viewer.text).not.toContain('Secret picture');
      const short = await agent.fetch(new URL(privateImage.url_short).pathname);
      expect(short.status).toBe(404);
      expect(short.headers.get('location')).toBeNull();
    }
    // The files too: the URLs are guessable (date folder and file name), so they are
    // served only to the owner, and never kept by a shared cache.
    const privateFiles = [privateImage.url, privateImage.thumb.url];
    for (const url of privateFiles) {
      for (const agent of [bob, anonymous]) {
        const res = await agent.fetch(new URL(url).pathname);
        expect({ url, status: res.status, cache: res.headers.get('cache-control') }).toEqual({
          url,
          status: 404,
          cache: 'no-store',
        });
      }
      const own = await alice.fetch(new URL(url).pathname);
      expect({ url, status: own.status, cache: own.headers.get('cache-control') }).toEqual({
        url,
        status: 200,
        cache: 'private, no-store',
      });
    }
    const publicFile = await anonymous.fetch(new URL(publicImage.url).pathname);
    expect(publicFile.status).toBe(200);
    expect(publicFile.headers.get('cache-control')).toMatch(/^public, max-age=\d+, immutable$/);
    // The public image is visible, without owner buttons.
    const open = await bob.get(new URL(publicImage.url_viewer).pathname);
    expect(open.res.status).toBe(200);
    expect(open.text).not.toContain('/edit/image/');
  });

  test('another user cannot edit, move, delete or upload into it, by guessing ids either', async () => {
    const ids = server.instance.ids;
    const privateId = privateImage.id_encoded;
    await bob.get('/account');
    expect((await bob.get(`/edit/image/${privateId}`)).res.status).toBe(404);
    expect((await bob.post(`/edit/image/${privateId}`, { title: 'pwned' })).res.status).toBe(404);
    expect((await bob.post(`/edit/image/${publicImage.id_encoded}/delete`)).res.status).toBe(404);
    expect(
      (await bob.post(`/album/${privateAlbum}/edit`, { name: 'pwned', privacy: 'public' })).res
        .status,
    ).toBe(404);
    expect((await bob.post(`/album/${privateAlbum}/delete`)).res.status).toBe(404);
    const bobAlbum = (await bob.post('/albums', { name: 'Bob album' })).res.headers
      .get('location')!
      .split('/')
      .pop()!;
    const moved = await bob.post('/account/images', {
      action: 'move',
      album: bobAlbum,
      ids: [privateId, publicImage.id_encoded],
    });
    expect(moved.res.headers.get('location')).toBe('/account?moved=0');
    const deleted = await bob.post('/account/images', {
      action: 'delete',
      ids: [privateId, publicImage.id_encoded],
    });
    expect(deleted.res.headers.get('location')).toBe('/account?deleted=0');
    // Moving into someone else's album is refused too.
    expect(
      (
        await alice.post('/account/images', {
          action: 'move',
          album: bobAlbum,
          ids: [publicImage.id_encoded],
        })
      ).res.status,
    ).toBe(404);
    const bobKey = await createKey(bob, 'bob key');
    const into = await uploadWithKey(bobKey, {
      source: await pngFile('b.png'),
      album_id: privateAlbum,
    });
    expect({ status: into.status, error: (await into.json()).error }).toEqual({
      status: 404,
      error: { message: 'Album not found', code: 404 },
    });

    // Walk every id: Bob can never reach Alice's private album or image.
    const maxImage = row<{ n: number }>('SELECT max(id) AS n FROM images').n;
    const maxAlbum = row<{ n: number }>('SELECT max(id) AS n FROM albums').n;
    for (let id = 1; id <= Math.max(maxImage, maxAlbum); id++) {
      const album = await bob.get(`/album/${ids.encode(id)}`);
      if (album.res.status === 200) expect(album.text).not.toContain('Secret');
      const image = await bob.fetch(`/image/${ids.encode(id)}`);
      if (image.status === 302) {
        const page = await bob.get(image.headers.get('location')!);
        expect(page.text).not.toContain('Secret picture');
      }
    }
    // Nothing changed.
    const image = await server.repos.images.find(ids.decode(privateId)!);
    expect({ title: image?.title, album: image?.albumId }).toEqual({
      title: 'Secret picture',
      album: ids.decode(privateAlbum),
    });
    expect(
      (await server.repos.images.find(ids.decode(publicImage.id_encoded)!))?.albumId,
    ).toBeNull();
    expect((await server.repos.albums.find(ids.decode(privateAlbum)!))?.name).toBe(
      'Secret holiday',
    );
  });

  test('the owner edits, moves and deletes their own images', async () => {
    await alice.get('/account');
    const edited = await alice.post(`/edit/image/${publicImage.id_encoded}`, {
      title: 'Renamed',
      description: 'New words',
      tags: 'a, b',
      album: privateAlbum,
      nsfw: '1',
    });
    expect(edited.res.status).toBe(303);
    const image = (await server.repos.images.find(
      server.instance.ids.decode(publicImage.id_encoded)!,
    ))!;
    expect({
      title: image.title,
      description: image.description,
      tags: image.tags,
      nsfw: image.nsfw,
      album: image.albumId,
    }).toEqual({
      title: 'Renamed',
      description: 'New words',
      tags: ['a', 'b'],
      nsfw: true,
      album: server.instance.ids.decode(privateAlbum),
    });
    const moved = await alice.post('/account/images', {
      action: 'move',
      album: '',
      ids: [publicImage.id_encoded],
    });
    expect(moved.res.headers.get('location')).toBe('/account?moved=1');
    const gone = await alice.post(`/edit/image/${publicImage.id_encoded}/delete`);
    expect(gone.res.status).toBe(303);
    expect(
      await server.repos.images.find(server.instance.ids.decode(publicImage.id_encoded)!),
    ).toBeNull();
  });
});

describe('API keys from the settings page', () => {
  test('a created key uploads as its user; revoked, it stops working at once', async () => {
    const carol = await signUp(server.url, 'carol');
    const key = await createKey(carol, 'ci');
    expect(key).toStartWith('chv_');
    expect(
      row<{ n: number }>('SELECT count(*) AS n FROM api_keys WHERE key_hash = ?', key)?.n,
    ).toBe(0);
    const ok = await uploadWithKey(key, { source: await pngFile('c.png') });
    expect(ok.status).toBe(200);
    const { image } = await ok.json();
    expect(
      (await server.repos.images.find(server.instance.ids.decode(image.id_encoded)!))?.userId,
    ).toBe(row<{ id: number }>("SELECT id FROM users WHERE username = 'carol'").id);
    const settings = await carol.get('/settings');
    expect(settings.text).toContain('<td>ci</td>');
    expect(settings.text).not.toContain(key);
    expect(settings.text).not.toMatch(/<td>ci<\/td><td>[^<]+<\/td><td>Never<\/td>/);
    const keyId = /action="\/settings\/keys\/([^/]+)\/revoke"/.exec(settings.text)![1]!;
    // Another user cannot revoke it.
    const dave = await signUp(server.url, 'dave');
    expect((await dave.post(`/settings/keys/${keyId}/revoke`)).res.status).toBe(404);
    expect((await uploadWithKey(key, { source: await pngFile('c2.png') })).status).toBe(200);
    expect((await carol.post(`/settings/keys/${keyId}/revoke`)).res.status).toBe(303);
    const refused = await uploadWithKey(key, { source: await pngFile('c3.png') });
    expect({ status: refused.status, error: (await refused.json()).error }).toEqual({
      status: 401,
      error: { message: 'Invalid API key.', code: 100 },
    });
  });

  test('the default expiration applies to uploads that name none', async () => {
    const erin = await signUp(server.url, 'erin');
    expect((await erin.post('/settings/expiration', { expiration: 'P1W' })).res.status).toBe(303);
    const key = await createKey(erin, 'k');
    const { image } = await (await uploadWithKey(key, { source: await pngFile('e.png') })).json();
    const expected = new Date(server.clock.now().getTime() + 7 * 86400_000)
      .toISOString()
      .slice(0, 19)
      .replace('T', ' ');
    expect(image.expiration_date_gmt).toBe(expected);
    const asked = await (
      await uploadWithKey(key, { source: await pngFile('e2.png'), expiration: 'PT1H' })
    ).json();
    expect(asked.image.expiration_date_gmt).not.toBe(expected);
  });

  test('the ShareX and PicGo/Flameshot downloads hold this server and a working new key', async () => {
    const frank = await signUp(server.url, 'frank');
    const sxcu = await frank.post('/settings/clients/sharex');
    expect(sxcu.res.headers.get('content-disposition')).toMatch(
      /attachment; filename="upshot-127\.0\.0\.1\.sxcu"/,
    );
    const config = JSON.parse(sxcu.text);
    expect(config).toMatchObject({
      RequestMethod: 'POST',
      RequestURL: `${server.url}/api/1/upload`,
      Body: 'MultipartFormData',
      FileFormName: 'source',
      URL: '{json:image.url}',
    });
    const res = await uploadWithKey(config.Headers['X-API-Key'], {
      source: await pngFile('sharex.png'),
    });
    expect(res.status).toBe(200);
    const snippets = await frank.post('/settings/clients/snippets');
    const key = /X-API-Key: (chv_[A-Za-z0-9_]+)/.exec(snippets.text)?.[1];
    expect(snippets.text).toContain(`${server.url}/api/1/upload`);
    expect(snippets.text).toContain('flameshot gui --raw');
    expect(
      (await uploadWithKey(key!, { source: await pngFile('flameshot.png'), format: 'txt' })).status,
    ).toBe(200);
  });
});

describe('guest uploads claimed by signing up', () => {
  test('uploads made from the page as a guest become the new user’s and stop expiring', async () => {
    const guest = createAgent(server.url);
    const home = await guest.get('/');
    expect(home.text).toContain('Sign up to customize or prevent image auto delete');
    const first = await (
      await guest.upload(toForm({ source: await pngFile('guest1.png') }))
    ).json();
    expect(first.image.expiration_date_gmt).not.toBeNull();
    // An upload by another guest, or with the guest key, is not claimed.
    const other = await (
      await server.upload({ source: await pngFile('other.png') }, { key: server.guestKey })
    ).json();
    await guest.get('/signup');
    const { res } = await guest.post('/signup', {
      username: 'claimer',
      password: 'long enough pw',
    });
    expect(res.headers.get('location')).toBe('/account?claimed=1');
    const account = await guest.get('/account?claimed=1');
    // One image, said in the singular (issue 13: "1 images" was wrong English).
    expect(account.text).toContain('1 image uploaded as a guest is now in your account.');
    const claimed = (await server.repos.images.find(
      server.instance.ids.decode(first.image.id_encoded)!,
    ))!;
    const userId = row<{ id: number }>("SELECT id FROM users WHERE username = 'claimer'").id;
    expect({ owner: claimed.userId, expires: claimed.expiresAt }).toEqual({
      owner: userId,
      expires: null,
    });
    expect(
      (await server.repos.images.find(server.instance.ids.decode(other.image.id_encoded)!))?.userId,
    ).toBeNull();
  });
});

describe('languages', () => {
  test('Accept-Language picks Chinese; the remembered choice wins over it', async () => {
    const zh = createAgent(server.url, { acceptLanguage: 'zh-CN,zh;q=0.9,en;q=0.8' });
    const home = await zh.get('/');
    expect(home.text).toContain('<html lang="zh-CN">');
    expect(home.text).toContain('注册以自定义或防止图片被自动删除');
    expect(home.text).toContain('上传完毕');
    const switched = await zh.fetch('/lang/en?next=/signin');
    expect({ status: switched.status, location: switched.headers.get('location') }).toEqual({
      status: 303,
      location: '/signin',
    });
    const page = await zh.get('/signin');
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).toContain('Username or email');
    const en = createAgent(server.url, { acceptLanguage: 'fr-FR, en;q=0.5' });
    expect((await en.get('/')).text).toContain('Drag and drop or paste images here to upload');
    // An open redirect is not possible through the switcher.
    expect((await zh.fetch('/lang/zh-CN?next=//evil.example')).headers.get('location')).toBe('/');
  });

  test('/api-v1 keeps showing the guest key, in both languages', async () => {
    const zh = createAgent(server.url, { acceptLanguage: 'zh' });
    const page = await zh.get('/api-v1');
    expect(page.text).toContain(server.guestKey);
    // The guest key, named as what it is (it was mistranslated as 访问密钥 ID).
    expect(page.text).toContain('游客 API 密钥');
  });
});
