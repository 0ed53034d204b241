/**
 * A minimal browser stand-in for page tests: keeps cookies, reads the CSRF token from
 * the last page, posts forms. Redirects are not followed, so tests see them.
 */
export function createAgent(baseUrl: string, options: { acceptLanguage?: string } = {}) {
  const jar = new Map<string, string>();
  let csrf = '';

  function remember(res: Response) {
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const headers = (extra: Record<string, string> = {}) => ({
    ...(jar.size ? { Cookie: cookieHeader() } : {}),
    ...(options.acceptLanguage ? { 'Accept-Language': options.acceptLanguage } : {}),
    ...extra,
  });

  return {
    jar,
    get csrf() {
      return csrf;
    },
    async get(path: string): Promise<{ res: Response; text: string }> {
      const res = await fetch(baseUrl + path, { headers: headers(), redirect: 'manual' });
      remember(res);
      const text = await res.text();
      const token =
        /name="csrf_token" value="([^"]+)"/.exec(text)?.[1] ??
        /data-csrf="([^"]+)"/.exec(text)?.[1];
      if (token) csrf = token;
      return { res, text };
    },
    /** Posts a form; the page's CSRF token is added unless `csrf_token` is given (null: none). */
    async post(
      path: string,
      fields: Record<string, string | string[]> = {},
      init: { csrf?: string | null } = {},
    ): Promise<{ res: Response; text: string }> {
      const body = new URLSearchParams();
      const token = init.csrf === undefined ? csrf : init.csrf;
      if (token !== null) body.append('csrf_token', token);
      for (const [name, value] of Object.entries(fields)) {
        for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
      }
      const res = await fetch(baseUrl + path, {
        method: 'POST',
        body,
        headers: headers({ 'Content-Type': 'application/x-www-form-urlencoded' }),
        redirect: 'manual',
      });
      remember(res);
      return { res, text: await res.text() };
    },
    /** Uploads through /api/1/upload with the session, as the uploader page does. */
    async upload(form: FormData, token: string | null = csrf): Promise<Response> {
      return fetch(`${baseUrl}/api/1/upload`, {
        method: 'POST',
        body: form,
        headers: headers(token === null ? {} : { 'X-CSRF-Token': token }),
      });
    },
    async fetch(path: string, init: RequestInit = {}): Promise<Response> {
      const res = await fetch(baseUrl + path, {
        ...init,
        headers: headers(init.headers as Record<string, string>),
        redirect: 'manual',
      });
      remember(res);
      return res;
    },
  };
}

export type Agent = ReturnType<typeof createAgent>;

/** Signs up a new user through the pages; returns the signed-in agent. */
export async function signUp(
  baseUrl: string,
  username: string,
  password = 'correct horse battery',
) {
  const agent = createAgent(baseUrl);
  await agent.get('/signup');
  const { res } = await agent.post('/signup', {
    username,
    email: `${username}@example.com`,
    password,
  });
  if (res.status !== 303) throw new Error(`sign-up of ${username} answered ${res.status}`);
  await agent.get('/settings');
  return agent;
}

/** Creates an API key on the settings page and returns it (shown once there). */
export async function createKey(agent: Agent, label: string): Promise<string> {
  const { res, text } = await agent.post('/settings/keys', { label });
  if (res.status !== 200) throw new Error(`key creation answered ${res.status}`);
  const key = /id="new-key" class="code" readonly value="([^"]+)"/.exec(text)?.[1];
  if (!key) throw new Error('no key on the page');
  return key;
}
