import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { createAgent, signUp } from '../accounts/agent.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let db: Database;
beforeAll(async () => {
  server = await startTestServer();
  db = new Database(join(server.dataDir, 'upshot.sqlite'), { readonly: true });
});
afterAll(async () => {
  db.close();
  await server.stop();
});

/** What a reply shows apart from its random parts: status, target, header names, cookie attributes. */
async function signUpAnswer(username: string, email: string) {
  const agent = createAgent(server.url);
  await agent.get('/signup');
  const { res, text } = await agent.post('/signup', {
    username,
    email,
    password: 'a long password',
  });
  return {
    status: res.status,
    location: res.headers.get('location'),
    headers: [...res.headers.keys()].sort(),
    cookies: res.headers.getSetCookie().map((cookie) => cookie.replace(/=[^;]*/, '=…')),
    body: text,
    signedIn: (await agent.get('/account')).res.status,
  };
}

const emailOf = (username: string) =>
  (db.query('SELECT email FROM users WHERE username = ?').get(username) as { email: string | null })
    .email;

describe('sign-up does not tell whether an email address is registered', () => {
  test('a registered address and a free one get the same answer', async () => {
    await signUp(server.url, 'owner'); // owner@example.com
    const registered = await signUpAnswer('prober1', 'Owner@Example.com');
    const free = await signUpAnswer('prober2', 'nobody-yet@example.com');
    expect(registered).toEqual(free);
    expect(registered.status).toBe(303);
    expect(registered.location).toBe('/account');
    expect(registered.signedIn).toBe(200);
  });

  test('the registered address stays with its owner; the new account gets none', async () => {
    expect(emailOf('owner')).toBe('owner@example.com');
    expect(emailOf('prober1')).toBeNull();
    expect(emailOf('prober2')).toBe('nobody-yet@example.com');
    // The owner still signs in with the address.
    const agent = createAgent(server.url);
    await agent.get('/signin');
    const { res } = await agent.post('/signin', {
      login: 'owner@example.com',
      password: 'correct horse battery',
    });
    expect(res.status).toBe(303);
  });

  test('a taken username still says so (usernames are public)', async () => {
    const taken = await signUpAnswer('OWNER', 'someone-else@example.com');
    expect(taken.status).toBe(409);
    expect(/<p class="error" role="alert">([^<]*)<\/p>/.exec(taken.body)?.[1]).toBe(
      'That username is already used.',
    );
  });
});
