import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, signUp } from '../accounts/agent.ts';
import { file, png } from '../helpers/images.ts';
import { startTestServer, type TestServer, toForm } from '../helpers/server.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sessionCookieOf = (res: Response, name = 'upshot_session') =>
  res.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`)) ?? null;

/** Cookies someone other than the server could make: the old bare shape, and a made-up MAC. */
const planted = () => [
  randomBytes(32).toString('base64url'),
  `${randomBytes(32).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
];

describe('session tokens the server never issued', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  test('a planted cookie is ignored: the visitor gets a fresh one', async () => {
    for (const token of planted()) {
      const res = await fetch(`${server.url}/signin`, {
        headers: { Cookie: `upshot_session=${token}` },
      });
      const cookie = sessionCookieOf(res);
      expect(cookie).not.toBeNull();
      expect(cookie).not.toContain(token);
    }
  });

  test('an issued cookie is kept (no new cookie), and the CSRF token is not a bare hash of it', async () => {
    const agent = createAgent(server.url);
    await agent.get('/signin');
    const token = agent.jar.get('upshot_session')!;
    const again = await agent.get('/signin');
    expect(sessionCookieOf(again.res)).toBeNull();
    expect(agent.csrf).not.toBe(sha256(`csrf:${token}`));
    expect(agent.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test('whoever plants a cookie cannot compute a CSRF token for it', async () => {
    for (const token of planted()) {
      const body = new URLSearchParams({
        csrf_token: sha256(`csrf:${token}`),
        username: `planter${randomBytes(3).toString('hex')}`,
        password: 'a long password',
      });
      const res = await fetch(`${server.url}/signup`, {
        method: 'POST',
        body,
        headers: { Cookie: `upshot_session=${token}` },
        redirect: 'manual',
      });
      expect(res.status).toBe(403);
    }
  });

  test('a planted cookie cannot be used to claim the uploads of the browser it was planted in', async () => {
    const token = planted()[0]!;
    // The victim's browser carries the attacker's cookie and uploads from the page as a guest.
    const victim = createAgent(server.url);
    victim.jar.set('upshot_session', token);
    await victim.get('/');
    expect(victim.jar.get('upshot_session')).not.toBe(token);
    const uploaded = await victim.upload(
      toForm({ source: file(await png(21, 13), 'victim.png', 'image/png') }),
    );
    expect(uploaded.status).toBe(200);
    // The attacker signs up with the same cookie: nothing of the victim's becomes theirs.
    const attacker = createAgent(server.url);
    attacker.jar.set('upshot_session', token);
    await attacker.get('/signup');
    const { res } = await attacker.post('/signup', {
      username: 'fixation',
      password: 'a long password',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account');
  });
});

describe('the session secret', () => {
  test('is drawn once, kept in the settings table, and shared by instances on one database', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-secret-'));
    const a = await startTestServer({}, { dataDir });
    const b = await startTestServer({}, { dataDir });
    const other = await startTestServer();
    try {
      const db = new Database(join(dataDir, 'upshot.sqlite'), { readonly: true });
      const stored = db.query("SELECT value FROM settings WHERE key = 'session_secret'").get() as {
        value: string;
      } | null;
      db.close();
      expect(stored?.value).toBe(a.instance.sessionSecret);
      expect(b.instance.sessionSecret).toBe(a.instance.sessionSecret);
      expect(stored!.value.length).toBeGreaterThanOrEqual(43);
      expect(other.instance.sessionSecret).not.toBe(a.instance.sessionSecret);

      // Signed in on one instance, signed in on the other; not on an instance with another secret.
      const agent = await signUp(a.url, 'shared');
      const cookie = `upshot_session=${agent.jar.get('upshot_session')}`;
      const onB = await fetch(`${b.url}/account`, {
        headers: { Cookie: cookie },
        redirect: 'manual',
      });
      expect(onB.status).toBe(200);
      expect(sessionCookieOf(onB)).toBeNull();
      const elsewhere = await fetch(`${other.url}/signin`, { headers: { Cookie: cookie } });
      expect(sessionCookieOf(elsewhere)).not.toBeNull();
    } finally {
      await a.stop();
      await b.stop();
      await other.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a Secure session cookie', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ UPSHOT_COOKIE_SECURE: 'true' });
  });
  afterAll(() => server.stop());

  test('is named __Host-upshot_session, with Path=/ and no Domain', async () => {
    const res = await fetch(`${server.url}/signin`);
    const cookie = sessionCookieOf(res, '__Host-upshot_session');
    expect(cookie).not.toBeNull();
    expect(cookie).toContain('; Path=/;');
    expect(cookie).toContain('; Secure');
    expect(cookie).toContain('; HttpOnly');
    expect(cookie!.toLowerCase()).not.toContain('domain=');
    expect(sessionCookieOf(res)).toBeNull();
  });

  test('signs in under that name; the same token under the plain name is not read', async () => {
    const agent = await signUp(server.url, 'securely');
    const token = agent.jar.get('__Host-upshot_session');
    expect(token).toBeDefined();
    expect(agent.jar.has('upshot_session')).toBe(false);
    expect((await agent.get('/account')).res.status).toBe(200);
    const plain = await fetch(`${server.url}/account`, {
      headers: { Cookie: `upshot_session=${token}` },
      redirect: 'manual',
    });
    expect(plain.status).toBe(303);
    expect(plain.headers.get('location')).toStartWith('/signin');
  });
});
