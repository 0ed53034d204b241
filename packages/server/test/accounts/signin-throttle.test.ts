import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createAgent, signUp } from './agent.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function attempt(login: string, password: string) {
  const agent = createAgent(server.url);
  await agent.get('/signin');
  const { res, text } = await agent.post('/signin', { login, password });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text };
}

describe('failed sign-ins are throttled', () => {
  test('after 10 failures an account is paused, even for the right password, until the window passes', async () => {
    await signUp(server.url, 'victim', 'the real password');
    for (let i = 0; i < 10; i++) {
      expect((await attempt('victim', `guess ${i}`)).status).toBe(401);
    }
    const paused = await attempt('VICTIM', 'the real password');
    expect(paused.status).toBe(429);
    expect(Number(paused.retryAfter)).toBeGreaterThan(0);
    expect(paused.text).toContain('Too many failed sign-ins.');
    // Another account is not affected by this one's failures.
    await signUp(server.url, 'bystander', 'another password');
    expect((await attempt('bystander', 'another password')).status).toBe(303);

    server.clock.advance(15 * 60 * 1000 + 1000);
    expect((await attempt('victim', 'the real password')).status).toBe(303);
  });

  test('a successful sign-in does not count, and the Chinese page says so in Chinese', async () => {
    await signUp(server.url, 'regular', 'my good password');
    for (let i = 0; i < 12; i++)
      expect((await attempt('regular', 'my good password')).status).toBe(303);
    for (let i = 0; i < 10; i++) await attempt('regular', 'nope');
    const agent = createAgent(server.url, { acceptLanguage: 'zh-CN' });
    await agent.get('/signin');
    const { res, text } = await agent.post('/signin', { login: 'regular', password: 'nope' });
    expect(res.status).toBe(429);
    expect(text).toContain('登录失败次数过多');
  });

  test('20 parallel wrong sign-ins against a limit of 10: at most 10 passwords are checked', async () => {
    await signUp(server.url, 'raced', 'the raced password');
    // Each attempt takes its count before the password is checked: parallel requests
    // cannot all pass a check before any of them is counted.
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => (await attempt('raced', `guess ${i}`)).status),
    );
    expect(statuses.filter((s) => s === 401).length).toBe(10);
    expect(statuses.filter((s) => s === 429).length).toBe(10);
  });

  test('the username and the e-mail of one account share its counter', async () => {
    const agent = createAgent(server.url);
    await agent.get('/signup');
    await agent.post('/signup', {
      username: 'twonames',
      email: 'twonames@example.com',
      password: 'the two names password',
    });
    for (let i = 0; i < 5; i++) expect((await attempt('twonames', `no ${i}`)).status).toBe(401);
    for (let i = 0; i < 5; i++) {
      expect((await attempt('TwoNames@Example.com', `no ${i}`)).status).toBe(401);
    }
    // Ten failures in all: the e-mail cannot be used to go on guessing.
    expect((await attempt('twonames@example.com', 'the two names password')).status).toBe(429);
    expect((await attempt('twonames', 'the two names password')).status).toBe(429);
  });
});
