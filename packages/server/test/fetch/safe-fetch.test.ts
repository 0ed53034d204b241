import { afterEach, describe, expect, spyOn, test } from 'bun:test';
import {
  type FetchRefusal,
  fetchSource,
  type SafeFetchOptions,
  SourceFetchError,
} from '../../src/fetch/safe-fetch.ts';
import { checkTarget, parseTargetUrl } from '../../src/fetch/target.ts';

// A self-signed certificate for DNS:public.test, valid 2000-2100, made with
// `openssl ca -selfsign` (EC P-256). Trusted through the `ca` option only.
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBZTCCAQqgAwIBAgIBATAKBggqhkjOPQQDAjAWMRQwEgYDVQQDDAtwdWJsaWMu
dGVzdDAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAwMFowFjEUMBIGA1UE
AwwLcHVibGljLnRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATkVFTRHxCU
WbahdS5hV+btpEY7y3arlU5FU5TgO198VD7YDCDW++qZVoFlJ/Cq0U9TJckmuo2G
iYasdNQrs8nPo0cwRTAWBgNVHREEDzANggtwdWJsaWMudGVzdDAMBgNVHRMBAf8E
AjAAMB0GA1UdDgQWBBSlPP1AxygQadHgwAIdrXFPIr8GOjAKBggqhkjOPQQDAgNJ
ADBGAiEAlMg50BQmpWWb2oC/JMOgEXKzlma9yWWrGwNXd6oDXsICIQCzon7gfHgB
o2taopcxiGQxMNyNYf3E+wSB4uAE3W5W6A==
-----END CERTIFICATE-----`;
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg104D2nxq7jnhamYc
VpqFgbhWBBDWkcf/4hB25T+iukGhRANCAATkVFTRHxCUWbahdS5hV+btpEY7y3ar
lU5FU5TgO198VD7YDCDW++qZVoFlJ/Cq0U9TJckmuo2GiYasdNQrs8nP
-----END PRIVATE KEY-----`;

const IMAGE = crypto.getRandomValues(new Uint8Array(4096));

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

interface Seen {
  path: string;
  host: string | null;
}

/** An HTTP server on 127.0.0.1, port 0, recording every request it gets. */
function serve(
  handler: (request: Request, url: URL) => Response | Promise<Response>,
  tls?: { cert: string; key: string },
) {
  const seen: Seen[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    ...(tls ? { tls } : {}),
    fetch(request) {
      const url = new URL(request.url);
      seen.push({ path: url.pathname, host: request.headers.get('host') });
      return handler(request, url);
    },
  });
  cleanups.push(() => server.stop(true));
  return { port: server.port as number, seen };
}

/**
 * A raw TCP server on 127.0.0.1: `onRequest` gets the socket once the request's first bytes
 * arrive; `closed` settles when the client drops the connection.
 */
function tcpServer(onRequest: (socket: Bun.Socket<{ answered: boolean }>) => void) {
  const closed = Promise.withResolvers<void>();
  let connections = 0;
  const server = Bun.listen<{ answered: boolean }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(socket) {
        connections++;
        socket.data = { answered: false };
      },
      data(socket) {
        if (socket.data.answered) return;
        socket.data.answered = true;
        onRequest(socket);
      },
      close() {
        closed.resolve();
      },
    },
  });
  cleanups.push(() => server.stop(true));
  return { port: server.port, closed: closed.promise, connections: () => connections };
}

/** A port nothing listens on (a server's port after it stopped). */
function closedPort(): number {
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

const LOCAL: SafeFetchOptions = { allowPrivate: true, maxBytes: 1_000_000, timeoutMs: 5_000 };
const STRICT: SafeFetchOptions = { ...LOCAL, allowPrivate: false };

/** The refusal reason of a fetch that must fail. */
async function refusal(promise: Promise<unknown>): Promise<FetchRefusal> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SourceFetchError) return error.reason;
    throw error;
  }
  throw new Error('the fetch succeeded');
}

/** The error of a fetch that must fail. */
async function failure(promise: Promise<unknown>): Promise<SourceFetchError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SourceFetchError) return error;
    throw error;
  }
  throw new Error('the fetch succeeded');
}

/** A resolver with fixed answers, counting its calls; unknown names fail like DNS does. */
function fakeResolver(answers: Record<string, string[][]>) {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    const previous = calls.filter((name) => name === hostname).length;
    calls.push(hostname);
    const list = answers[hostname];
    if (!list)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return list[Math.min(previous, list.length - 1)] ?? [];
  };
  return { resolve, calls };
}

describe('scheme and form of the URL', () => {
  test.each([
    'ftp://127.0.0.1/x.png',
    'file:///etc/passwd',
    'data:image/png;base64,iVBORw0KGgo=',
    'javascript:alert(1)',
    'gopher://127.0.0.1:70/',
    'ws://127.0.0.1/',
    'not a url',
    '/relative/path.png',
  ])('%s is not allowed', async (url) => {
    expect(await refusal(fetchSource(url, LOCAL))).toBe('not-allowed');
  });

  test('credentials in the URL are refused and kept out of the message', async () => {
    const server = serve(() => new Response(IMAGE));
    const error = await failure(
      fetchSource(`http://admin:s3cret@127.0.0.1:${server.port}/x.png`, LOCAL),
    );
    expect(error.reason).toBe('not-allowed');
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toContain('admin');
    expect(server.seen).toEqual([]);
  });
});

describe('non-public targets', () => {
  test('loopback in every spelling is refused by default, without a request', async () => {
    const server = serve(() => new Response(IMAGE));
    const urls = [
      `http://127.0.0.1:${server.port}/x.png`,
      `http://localhost:${server.port}/`,
      `http://[::1]:${server.port}/`,
      `http://2130706433:${server.port}/`,
      `http://0x7f000001:${server.port}/`,
      `http://0x7f.1:${server.port}/`,
      `http://017700000001:${server.port}/`,
      `http://127.1:${server.port}/`,
      `http://[::ffff:127.0.0.1]:${server.port}/`,
      'http://0x7f000001/',
      'http://[::ffff:127.0.0.1]/',
      'http://0.0.0.0/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/',
      'https://10.0.0.1/',
      'http://[fd00::1]/',
    ];
    const reasons = await Promise.all(urls.map((url) => refusal(fetchSource(url, STRICT))));
    expect(reasons).toEqual(urls.map(() => 'not-allowed'));
    expect(server.seen).toEqual([]);
  });

  test('a name resolving to loopback is refused', async () => {
    const server = serve(() => new Response(IMAGE));
    const { resolve } = fakeResolver({ 'public.test': [['127.0.0.1']] });
    const url = `http://public.test:${server.port}/x.png`;
    expect(await refusal(fetchSource(url, { ...STRICT, resolve }))).toBe('not-allowed');
    expect(server.seen).toEqual([]);
  });

  test('a name is refused when any one of its addresses is not public', async () => {
    const { resolve } = fakeResolver({ 'mixed.test': [['93.184.215.14', '10.0.0.7']] });
    const url = 'http://mixed.test/x.png';
    expect(await refusal(fetchSource(url, { ...STRICT, resolve }))).toBe('not-allowed');
  });

  test('allowPrivate still refuses link-local (cloud metadata) and special addresses', async () => {
    const { resolve } = fakeResolver({ 'metadata.test': [['169.254.169.254']] });
    const urls = [
      'http://169.254.169.254/latest/meta-data/',
      'http://metadata.test/',
      'http://[fe80::1]/',
      'http://0.0.0.0/',
      'http://224.0.0.1/',
    ];
    const reasons = await Promise.all(
      urls.map((url) => refusal(fetchSource(url, { ...LOCAL, resolve }))),
    );
    expect(reasons).toEqual(urls.map(() => 'not-allowed'));
  });
});

describe('fetching', () => {
  test('allowPrivate reaches a loopback server and returns bytes, filename and final URL', async () => {
    const server = serve(() => new Response(IMAGE, { headers: { 'content-type': 'image/png' } }));
    const url = `http://127.0.0.1:${server.port}/albums/My%20Cat%E2%9C%93.png?size=large#top`;
    expect(await fetchSource(url, LOCAL)).toEqual({
      bytes: IMAGE,
      filename: 'My Cat✓.png',
      finalUrl: `http://127.0.0.1:${server.port}/albums/My%20Cat%E2%9C%93.png?size=large`,
    });
    expect(server.seen).toEqual([
      { path: '/albums/My%20Cat%E2%9C%93.png', host: `127.0.0.1:${server.port}` },
    ]);
  });

  test('a path ending in / gives an empty filename; an empty body is fine', async () => {
    const server = serve(() => new Response(null, { status: 200 }));
    expect(await fetchSource(`http://localhost:${server.port}/dir/`, LOCAL)).toEqual({
      bytes: new Uint8Array(0),
      filename: '',
      finalUrl: `http://localhost:${server.port}/dir/`,
    });
  });

  test('a body of exactly maxBytes is accepted', async () => {
    const server = serve(() => new Response(IMAGE));
    const fetched = await fetchSource(`http://127.0.0.1:${server.port}/x`, {
      ...LOCAL,
      maxBytes: IMAGE.byteLength,
    });
    expect(fetched.bytes).toEqual(IMAGE);
  });

  test('non-2xx answers fail', async () => {
    const server = serve((_request, url) => {
      const status = Number(url.pathname.slice(1));
      return new Response(status === 304 ? null : 'no', { status });
    });
    const statuses = [404, 500, 300, 304];
    const reasons = await Promise.all(
      statuses.map((status) =>
        refusal(fetchSource(`http://127.0.0.1:${server.port}/${status}`, LOCAL)),
      ),
    );
    expect(reasons).toEqual(['failed', 'failed', 'failed', 'failed']);
  });

  test('DNS failure, a name without addresses and a refused connection fail', async () => {
    const { resolve } = fakeResolver({ 'empty.test': [[]] });
    const urls = [
      'http://nowhere.test/x.png',
      'http://empty.test/x.png',
      `http://127.0.0.1:${closedPort()}/x.png`,
    ];
    const reasons = await Promise.all(
      urls.map((url) => refusal(fetchSource(url, { ...LOCAL, resolve }))),
    );
    expect(reasons).toEqual(['failed', 'failed', 'failed']);
  });

  test('the system resolver is used by default (.invalid never resolves)', async () => {
    expect(await refusal(fetchSource('http://upshot.invalid/x.png', LOCAL))).toBe('failed');
  });
});

describe('pinning', () => {
  test('the connection goes to the checked address: one lookup, fetch sees only the IP', async () => {
    const server = serve(() => new Response(IMAGE));
    // First answer loopback (allowed here), then an address that would be refused: a
    // second lookup anywhere in the path would either be refused or go elsewhere.
    const { resolve, calls } = fakeResolver({
      'pinned.test': [['127.0.0.1'], ['169.254.169.254']],
    });
    const fetchSpy = spyOn(globalThis, 'fetch');
    cleanups.push(() => fetchSpy.mockRestore());

    const url = `http://pinned.test:${server.port}/p.png`;
    const fetched = await fetchSource(url, { ...LOCAL, resolve });

    expect(fetched).toEqual({ bytes: IMAGE, filename: 'p.png', finalUrl: url });
    expect(calls).toEqual(['pinned.test']);
    // .test names don't exist in DNS, so fetch could only have connected by the IP it got.
    expect(fetchSpy.mock.calls.map(([input]) => String(input))).toEqual([
      `http://127.0.0.1:${server.port}/p.png`,
    ]);
    expect(server.seen).toEqual([{ path: '/p.png', host: `pinned.test:${server.port}` }]);
  });

  test('an unreachable first address falls back to the next checked one', async () => {
    const server = serve(() => new Response(IMAGE));
    const { resolve } = fakeResolver({ 'two.test': [['127.0.0.2', '127.0.0.1']] });
    // 127.0.0.2 is loopback too, but nothing listens there on this port.
    const fetched = await fetchSource(`http://two.test:${server.port}/t.png`, {
      ...LOCAL,
      resolve,
    });
    expect(fetched.bytes).toEqual(IMAGE);
  });

  test('https keeps the host name for SNI and the certificate check', async () => {
    const server = serve(() => new Response(IMAGE), { cert: TLS_CERT, key: TLS_KEY });
    const { resolve } = fakeResolver({
      'public.test': [['127.0.0.1']],
      'other.test': [['127.0.0.1']],
    });
    const options = { ...LOCAL, resolve, ca: TLS_CERT };

    const fetched = await fetchSource(`https://public.test:${server.port}/s.png`, options);
    expect(fetched.bytes).toEqual(IMAGE);
    expect(server.seen).toEqual([{ path: '/s.png', host: `public.test:${server.port}` }]);

    // Same address, a name the certificate doesn't cover: refused by the TLS check.
    expect(await refusal(fetchSource(`https://other.test:${server.port}/s.png`, options))).toBe(
      'failed',
    );
    // The certificate is verified at all: without the CA it isn't trusted.
    expect(
      await refusal(fetchSource(`https://public.test:${server.port}/s.png`, { ...LOCAL, resolve })),
    ).toBe('failed');
    expect(server.seen).toHaveLength(1);
  });
});

describe('redirects', () => {
  /** /hop/N redirects to /hop/N-1 (alternating relative and absolute); /hop/0 is the image. */
  function hopServer() {
    const server = serve((_request, url) => {
      const n = Number(url.pathname.split('/').pop());
      if (n === 0) return new Response(IMAGE);
      const next = n % 2 === 0 ? `/hop/${n - 1}` : `http://127.0.0.1:${server.port}/hop/${n - 1}`;
      return new Response(null, {
        status: [301, 302, 303, 307, 308][n % 5],
        headers: { location: next },
      });
    });
    return server;
  }

  test('a chain of 3 is followed to the final URL', async () => {
    const server = hopServer();
    expect(await fetchSource(`http://127.0.0.1:${server.port}/hop/3`, LOCAL)).toEqual({
      bytes: IMAGE,
      filename: '0',
      finalUrl: `http://127.0.0.1:${server.port}/hop/0`,
    });
    expect(server.seen.map((seen) => seen.path)).toEqual(['/hop/3', '/hop/2', '/hop/1', '/hop/0']);
  });

  test('5 redirects are followed, a 6th is refused without following it', async () => {
    const server = hopServer();
    const fetched = await fetchSource(`http://127.0.0.1:${server.port}/hop/5`, LOCAL);
    expect(fetched.bytes).toEqual(IMAGE);
    server.seen.length = 0;

    expect(await refusal(fetchSource(`http://127.0.0.1:${server.port}/hop/6`, LOCAL))).toBe(
      'failed',
    );
    expect(server.seen.map((seen) => seen.path)).toEqual([
      '/hop/6',
      '/hop/5',
      '/hop/4',
      '/hop/3',
      '/hop/2',
      '/hop/1',
    ]);
    expect(
      await refusal(
        fetchSource(`http://127.0.0.1:${server.port}/hop/2`, { ...LOCAL, maxRedirects: 1 }),
      ),
    ).toBe('failed');
  });

  test('redirects to other schemes, credentials or forbidden addresses are refused', async () => {
    const { resolve, calls } = fakeResolver({ 'metadata.test': [['169.254.169.254']] });
    const locations = [
      'ftp://127.0.0.1/x.png',
      'file:///etc/passwd',
      'data:image/png;base64,iVBORw0KGgo=',
      'javascript:alert(1)',
      'http://user:pw@127.0.0.1/x.png',
      'http://169.254.169.254/latest/meta-data/iam/',
      'http://[fe80::1]/',
      'http://metadata.test/',
      'http://0.0.0.0/',
    ];
    const server = serve(
      (_request, url) =>
        new Response(null, {
          status: 302,
          headers: { location: locations[Number(url.pathname.slice(1))] ?? '' },
        }),
    );
    const reasons = await Promise.all(
      locations.map((_, i) =>
        refusal(fetchSource(`http://127.0.0.1:${server.port}/${i}`, { ...LOCAL, resolve })),
      ),
    );
    expect(reasons).toEqual(locations.map(() => 'not-allowed'));
    expect(calls).toEqual(['metadata.test']);
    expect(server.seen).toHaveLength(locations.length);
  });

  test('every hop is resolved and checked again (a rebinding name is caught)', async () => {
    const server = serve((_request, url) =>
      url.pathname === '/start'
        ? new Response(null, { status: 302, headers: { location: '/next.png' } })
        : new Response(IMAGE),
    );
    const { resolve, calls } = fakeResolver({
      'rebind.test': [['127.0.0.1'], ['169.254.169.254']],
    });
    const url = `http://rebind.test:${server.port}/start`;
    expect(await refusal(fetchSource(url, { ...LOCAL, resolve }))).toBe('not-allowed');
    expect(calls).toEqual(['rebind.test', 'rebind.test']);
    expect(server.seen.map((seen) => seen.path)).toEqual(['/start']);
  });

  test('a public host redirecting to loopback is refused by the per-hop check', async () => {
    const { resolve } = fakeResolver({ 'public.test': [['93.184.215.14']] });
    const policy = { allowPrivate: false, resolve };
    const from = parseTargetUrl('http://public.test/a.png');
    expect(await checkTarget(from, policy)).toEqual({
      url: from,
      hostname: 'public.test',
      isIpLiteral: false,
      addresses: ['93.184.215.14'],
    });
    const locations = [
      'http://127.0.0.1/',
      '//localhost/',
      'http://[::1]:8080/',
      'http://2130706433/',
    ];
    const reasons = await Promise.all(
      locations.map((location) =>
        refusal(
          checkTarget(parseTargetUrl(location, from), {
            allowPrivate: false,
            resolve: async () => ['127.0.0.1'],
          }),
        ),
      ),
    );
    expect(reasons).toEqual(locations.map(() => 'not-allowed'));
  });

  test('a redirect without Location fails', async () => {
    const server = serve(() => new Response(null, { status: 302 }));
    expect(await refusal(fetchSource(`http://127.0.0.1:${server.port}/`, LOCAL))).toBe('failed');
  });
});

describe('size cap', () => {
  test('a Content-Length over the cap fails before the body and drops the connection', async () => {
    const server = tcpServer((socket) => {
      socket.write(
        'HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 50000000\r\n\r\n',
      );
      socket.write(new Uint8Array(1024));
      // ...and never more: only an early refusal ends this fetch before its timeout.
    });
    const error = await failure(
      fetchSource(`http://127.0.0.1:${server.port}/big.png`, {
        ...LOCAL,
        maxBytes: 10_000,
        timeoutMs: 30_000,
      }),
    );
    expect(error.reason).toBe('failed');
    expect(error.message).toContain('declares 50000000 bytes');
    await server.closed;
  });

  test('a Content-Length under the cap bounds what is read, whatever follows', async () => {
    const server = tcpServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n');
      socket.write(new Uint8Array(100_000).fill(7));
      socket.end();
    });
    const fetched = await fetchSource(`http://127.0.0.1:${server.port}/lie.png`, {
      ...LOCAL,
      maxBytes: 1000,
    });
    expect(fetched.bytes).toEqual(new Uint8Array(10).fill(7));
  });

  test('an endless chunked body fails at the cap and the connection is dropped', async () => {
    const cancelled = Promise.withResolvers<void>();
    let sent = 0;
    const server = serve(
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              sent += 16_384;
              controller.enqueue(new Uint8Array(16_384));
            },
            cancel() {
              cancelled.resolve();
            },
          }),
        ),
    );
    const error = await failure(
      fetchSource(`http://127.0.0.1:${server.port}/endless.png`, {
        ...LOCAL,
        maxBytes: 100_000,
        timeoutMs: 30_000,
      }),
    );
    expect(error.reason).toBe('failed');
    expect(error.message).toContain('body over 100000 bytes');
    await cancelled.promise;
    expect(sent).toBeGreaterThan(100_000);
  });
});

describe('timeout', () => {
  test('a server that never answers fails after timeoutMs and is hung up on', async () => {
    const server = tcpServer(() => {});
    const started = performance.now();
    const error = await failure(
      fetchSource(`http://127.0.0.1:${server.port}/x.png`, { ...LOCAL, timeoutMs: 300 }),
    );
    const elapsed = performance.now() - started;
    expect(error.reason).toBe('failed');
    expect(error.message).toBe('timed out after 300 ms');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3_000);
    await server.closed;
  });

  test('a server trickling its body fails after timeoutMs, counting the whole fetch', async () => {
    let sent = 0;
    const cancelled = Promise.withResolvers<void>();
    const server = serve(() => {
      let timer: Timer | undefined;
      return new Response(
        new ReadableStream({
          start(controller) {
            timer = setInterval(() => {
              sent++;
              controller.enqueue(new Uint8Array([sent & 0xff]));
            }, 10);
          },
          cancel() {
            clearInterval(timer);
            cancelled.resolve();
          },
        }),
        { headers: { 'content-length': '1000' } },
      );
    });
    const started = performance.now();
    const error = await failure(
      fetchSource(`http://127.0.0.1:${server.port}/slow.png`, { ...LOCAL, timeoutMs: 400 }),
    );
    const elapsed = performance.now() - started;
    expect(error.reason).toBe('failed');
    expect(error.message).toBe('timed out after 400 ms');
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(3_000);
    await cancelled.promise;
    expect(sent).toBeGreaterThan(0);
  });

  test('the timeout covers name resolution', async () => {
    const resolve = () => new Promise<string[]>(() => {});
    const error = await failure(
      fetchSource('http://slow-dns.test/x.png', { ...LOCAL, timeoutMs: 200, resolve }),
    );
    expect(error.reason).toBe('failed');
    expect(error.message).toBe('timed out after 200 ms');
  });
});
