// The admin's control over users and content, over HTTP against the real server:
// sign-up modes and invitations, bans that stop keys and sessions at once, quotas, password
// reset links, deleting a user with their images, the content page and address bans, and
// recovering the admin key from the command line.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import { main } from '../../src/admin/main.ts';
import { type Agent, createAgent, createKey, signUp } from '../accounts/agent.ts';
import { file, png } from '../helpers/images.ts';
import { ADMIN_KEY, startTestServer, type TestServer } from '../helpers/server.ts';

let counter = 0;
const pngFile = async (name: string, size = 40) =>
  file(await png(size + counter++, size, { r: counter * 11, g: 60, b: 120 }), name, 'image/png');

async function adminAgent(server: TestServer, key = ADMIN_KEY): Promise<Agent> {
  const agent = createAgent(server.url);
  await agent.get('/signin');
  const { res } = await agent.post('/signin', { login: 'admin', password: key, next: '/admin' });
  expect(res.status).toBe(303);
  return agent;
}

const userRef = (server: TestServer, id: number) => server.instance.ids.encode(id);

describe('sign-ups by invitation (the default) and closed', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ UPSHOT_SIGNUPS: 'invite' });
  });
  afterAll(() => server.stop());

  test('without an invitation there is no sign-up; an invitation link works once', async () => {
    const visitor = createAgent(server.url);
    const page = await visitor.get('/signup');
    expect(page.text).toContain('Sign-ups on this server are by invitation.');
    expect(page.text).not.toContain('name="password"');
    const refused = await visitor.post('/signup', {
      username: 'sneaky',
      password: 'long enough pw',
    });
    expect(refused.res.status).toBe(403);
    expect(await server.repos.users.findByLogin('sneaky')).toBeNull();

    const admin = await adminAgent(server);
    await admin.get('/admin/invites');
    const made = await admin.post('/admin/invites', { note: 'for Ivy' });
    const link = /id="invite-link" class="code" readonly value="([^"]+)"/.exec(made.text)?.[1];
    expect(link).toStartWith(`${server.url}/signup?invite=`);
    expect(made.text).toContain('for Ivy');

    const ivy = createAgent(server.url);
    const form = await ivy.get(new URL(link!).pathname + new URL(link!).search);
    expect(form.text).toContain('You were invited.');
    const token = new URL(link!).searchParams.get('invite')!;
    const joined = await ivy.post('/signup', {
      username: 'ivy',
      password: 'ivy password',
      invite: token,
    });
    expect(joined.res.status).toBe(303);
    expect(await server.repos.users.findByLogin('ivy')).not.toBeNull();

    const again = createAgent(server.url);
    await again.get('/signup');
    const reused = await again.post('/signup', {
      username: 'ivy2',
      password: 'ivy password',
      invite: token,
    });
    expect(reused.res.status).toBe(403);
    expect(reused.text).toContain('This invitation link is not valid any more');
    const list = await admin.get('/admin/invites');
    expect(list.text).toContain('Used by ivy');
  });

  test('closed: no sign-up link, the form says so, and posts are refused', async () => {
    const closed = await startTestServer({ UPSHOT_SIGNUPS: 'closed' });
    try {
      const visitor = createAgent(closed.url);
      const home = await visitor.get('/');
      expect(home.text).not.toContain('href="/signup" class="button');
      expect((await visitor.get('/signup')).text).toContain('Sign-ups are closed on this server.');
      const refused = await visitor.post('/signup', {
        username: 'nobody',
        password: 'long enough pw',
      });
      expect(refused.res.status).toBe(403);
    } finally {
      await closed.stop();
    }
  });

  test('a bad UPSHOT_SIGNUPS stops the start with a message naming it', async () => {
    await expect(startTestServer({ UPSHOT_SIGNUPS: 'sometimes' })).rejects.toThrow(
      'UPSHOT_SIGNUPS',
    );
  });
});

describe('users, quotas and content', () => {
  let server: TestServer;
  let admin: Agent;
  beforeAll(async () => {
    // 0.1 MB: two small PNGs fit, a bigger one does not.
    server = await startTestServer({ UPSHOT_USER_QUOTA_MB: '0.1' });
    admin = await adminAgent(server);
  });
  afterAll(() => server.stop());

  test('non-admins get 404 for every admin page and form', async () => {
    const user = await signUp(server.url, 'curious');
    for (const path of [
      '/admin',
      '/admin/users',
      '/admin/content',
      '/admin/invites',
      '/admin/addresses',
    ])
      expect((await user.get(path)).res.status).toBe(404);
    expect((await user.post('/admin/addresses', { address: '10.0.0.1' })).res.status).toBe(404);
    expect((await createAgent(server.url).get('/admin')).res.status).toBe(303);
  });

  test('the quota refuses an upload past it with 413 code 108; the admin raises it per user', async () => {
    const agent = await signUp(server.url, 'quinn');
    const key = await createKey(agent, 'script');
    const first = await server.upload({ source: await pngFile('a.png', 120) }, { key });
    expect(first.status).toBe(200);
    // PNG noise of more than the 100 KB quota.
    const noise = await sharp({
      create: {
        width: 220,
        height: 220,
        channels: 3,
        background: { r: 0, g: 0, b: 0 },
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png()
      .toBuffer();
    expect(noise.length).toBeGreaterThan(100_000);
    const refused = await server.upload(
      { source: file(Uint8Array.from(noise), 'noise.png', 'image/png') },
      { key },
    );
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({
      status_code: 413,
      error: { message: 'Storage quota exceeded - max 0.1 MB per user', code: 108 },
      status_txt: 'Payload Too Large',
    });
    const quinn = (await server.repos.users.findByLogin('quinn'))!;
    const ref = userRef(server, quinn.id);
    await admin.get(`/admin/users/${ref}`);
    const saved = await admin.post(`/admin/users/${ref}/quota`, { quota: '1' });
    expect(saved.res.status).toBe(303);
    expect((await server.repos.users.find(quinn.id))!.quotaMb).toBe(1);
    const page = await admin.get(`/admin/users/${ref}?done=quota`);
    expect(page.text).toContain('Quota saved.');
    const now = await server.upload(
      { source: file(Uint8Array.from(noise), 'noise.png', 'image/png') },
      { key },
    );
    expect(now.status).toBe(200);
    // The users page shows the usage against the quota.
    const users = await admin.get('/admin/users?q=quin');
    expect(users.text).toContain('quinn');
    expect(users.text).toContain(' / 1 MB');
    expect(users.text).not.toContain('curious');
  });

  test('a ban ends the user’s sessions and refuses their keys at once; unban restores both', async () => {
    const agent = await signUp(server.url, 'bert');
    const key = await createKey(agent, 'k');
    const bert = (await server.repos.users.findByLogin('bert'))!;
    const ref = userRef(server, bert.id);
    await admin.get('/admin/users');
    const banned = await admin.post(`/admin/users/${ref}/ban`);
    expect(banned.res.status).toBe(303);
    expect((await admin.get(`/admin/users/${ref}?done=banned`)).text).toContain('bert is banned');
    // The open session is signed out on its next request.
    const account = await agent.get('/account');
    expect(account.res.status).toBe(303);
    expect(account.res.headers.get('location')).toStartWith('/signin');
    const upload = await server.upload({ source: await pngFile('b.png') }, { key });
    expect(upload.status).toBe(403);
    expect((await upload.json()).error).toEqual({ message: 'Request denied', code: 401 });
    const signIn = createAgent(server.url);
    await signIn.get('/signin');
    expect(
      (await signIn.post('/signin', { login: 'bert', password: 'correct horse battery' })).res
        .status,
    ).toBe(401);

    await admin.post(`/admin/users/${ref}/unban`);
    expect((await server.upload({ source: await pngFile('c.png') }, { key })).status).toBe(200);
    // The admin cannot be banned.
    const self = await admin.post(`/admin/users/${userRef(server, 1)}/ban`);
    expect(self.res.status).toBe(403);
    expect(self.text).toContain('The admin account cannot be banned or deleted.');
  });

  test('a password reset link works once and signs the user out everywhere', async () => {
    const agent = await signUp(server.url, 'rita', 'old password here');
    const rita = (await server.repos.users.findByLogin('rita'))!;
    await admin.get(`/admin/users/${userRef(server, rita.id)}`);
    const made = await admin.post(`/admin/users/${userRef(server, rita.id)}/reset`);
    const link = /id="reset-link" class="code" readonly value="([^"]+)"/.exec(made.text)?.[1];
    expect(link).toStartWith(`${server.url}/reset/`);
    const path = new URL(link!).pathname;
    const visitor = createAgent(server.url);
    expect((await visitor.get(path)).text).toContain('Set a new password for rita.');
    const done = await visitor.post(path, { password: 'brand new password' });
    expect(done.res.status).toBe(303);
    expect(done.res.headers.get('location')).toBe('/signin?notice=reset.done');
    expect((await agent.get('/account')).res.status).toBe(303);
    const again = await visitor.get(path);
    expect(again.res.status).toBe(404);
    expect(again.text).toContain('This password reset link is not valid any more.');
    const signIn = createAgent(server.url);
    await signIn.get('/signin');
    expect(
      (await signIn.post('/signin', { login: 'rita', password: 'brand new password' })).res.status,
    ).toBe(303);
  });

  test('deleting a user deletes their images (files too) and their account', async () => {
    const agent = await signUp(server.url, 'dora');
    const key = await createKey(agent, 'k');
    const reply = (await (
      await server.upload({ source: await pngFile('d.png') }, { key })
    ).json()) as {
      image: { url: string; url_viewer: string };
    };
    const dora = (await server.repos.users.findByLogin('dora'))!;
    const ref = userRef(server, dora.id);
    const page = await admin.get(`/admin/users/${ref}`);
    expect(page.text).toContain('its 1 image, for good');
    const gone = await admin.post(`/admin/users/${ref}/delete`);
    expect(gone.res.status).toBe(200);
    expect(gone.text).toContain('dora and 1 image were deleted.');
    expect(await server.repos.users.findByLogin('dora')).toBeNull();
    expect((await fetch(reply.image.url)).status).toBe(404);
    const viewer = await fetch(reply.image.url_viewer, { headers: { Accept: 'text/html' } });
    expect(viewer.status).toBe(410);
    await server.upshot.sweepNow();
    expect((await server.files()).some((name) => name.includes('/d'))).toBe(false);
    expect((await server.upload({ source: await pngFile('e.png') }, { key })).status).toBe(401);
  });

  test('the content page lists guests’ uploads with their address; banning it refuses the guest', async () => {
    const guest = (await (
      await server.upload({ source: await pngFile('guest.png') }, { key: server.guestKey })
    ).json()) as {
      image: { id_encoded: string };
    };
    const content = await admin.get('/admin/content');
    expect(content.text).toContain(`value="${guest.image.id_encoded}"`);
    expect(content.text).toContain('<code>127.0.0.1</code>');
    expect(content.text).toContain('Guest');
    const banned = await admin.post('/admin/addresses', { address: '127.0.0.1' });
    expect(banned.text).toContain('Guest uploads from 127.0.0.1 are now refused.');
    const refused = await server.upload(
      { source: await pngFile('again.png') },
      { key: server.guestKey },
    );
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toEqual({ message: 'Request denied', code: 401 });
    // Users at that address still upload with their keys.
    expect((await server.upload({ source: await pngFile('user.png') })).status).toBe(200);
    expect((await admin.post('/admin/addresses', { address: 'not an address' })).res.status).toBe(
      400,
    );
    await admin.get('/admin/addresses');
    const unbanned = await admin.post('/admin/addresses/unban', { address: '127.0.0.1' });
    expect(unbanned.text).toContain('127.0.0.1 may upload again.');
    expect(
      (await server.upload({ source: await pngFile('ok.png') }, { key: server.guestKey })).status,
    ).toBe(200);
  });

  test('bulk delete from the content page removes the chosen images only', async () => {
    const replies = [];
    for (const name of ['x1.png', 'x2.png', 'x3.png']) {
      replies.push(
        (
          (await (await server.upload({ source: await pngFile(name) })).json()) as {
            image: { id_encoded: string; url: string };
          }
        ).image,
      );
    }
    await admin.get('/admin/content');
    const done = await admin.post('/admin/content/delete', {
      ids: [replies[0]!.id_encoded, replies[1]!.id_encoded],
    });
    expect(done.text).toContain('2 images deleted.');
    expect((await fetch(replies[0]!.url)).status).toBe(404);
    expect((await fetch(replies[1]!.url)).status).toBe(404);
    expect((await fetch(replies[2]!.url)).status).toBe(200);
  });

  test('the dashboard counts images, bytes, today’s uploads and the top uploaders', async () => {
    const page = await admin.get('/admin');
    const images = await server.repos.images.countLive(new Date());
    expect(page.text).toContain(`<span class="stat-value">${images}</span>`);
    expect(page.text).toContain('Top uploaders');
    expect(page.text).toMatch(/<a href="\/admin\/users\/[A-Za-z0-9]+">quinn<\/a>/);
    expect(page.text).toContain('Guests');
    expect((page.text.match(/<li style="--h:/g) ?? []).length).toBe(30);
  });
});

describe('upshot-admin reset-admin-key', () => {
  test('prints a new key once, revokes the old ones, and the new key signs in and uploads', async () => {
    const server = await startTestServer();
    const lines: string[] = [];
    const log = console.log;
    const saved = { ...process.env };
    try {
      console.log = (...args: unknown[]) => lines.push(args.join(' '));
      process.env.UPSHOT_DATA_DIR = server.dataDir;
      process.env.UPSHOT_BASE_URL = server.url;
      expect(await main(['reset-admin-key'])).toBe(0);
    } finally {
      console.log = log;
      process.env = saved;
    }
    const out = lines.join('\n');
    const key = /\n {2}(chv_[A-Za-z0-9]+_[0-9a-f]{64})\n/.exec(out)?.[1];
    expect(key).toBeDefined();
    expect(out).toContain('1 earlier key was revoked');
    expect(out).toContain(`Sign in at ${server.url}/signin as "admin"`);
    try {
      expect((await server.upload({ source: await pngFile('old.png') })).status).toBe(401);
      expect(
        (await server.upload({ source: await pngFile('new.png') }, { key: key! })).status,
      ).toBe(200);
      await adminAgent(server, key!);
    } finally {
      await server.stop();
    }
  });

  test('a changed UPSHOT_ADMIN_KEY on a later start is reported, not silently ignored', async () => {
    const first = await startTestServer();
    const dataDir = first.dataDir;
    await first.upshot.stop(0);
    const again = await startTestServer(
      { UPSHOT_ADMIN_KEY: 'another-admin-key-0123456789abcdef01234567' },
      { dataDir },
    );
    try {
      expect(again.instance.adminKeyIgnored).toBe(true);
    } finally {
      await again.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
