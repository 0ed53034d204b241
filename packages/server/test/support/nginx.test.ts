import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { startNginx, type TestNginx } from './nginx.ts';
import { childPids, isAlive } from './process.ts';

interface Upstream {
  name: string;
  address: string;
  /** Requests seen, by method. */
  seen: { GET: number; POST: number };
  /** Answer every request with this status instead of 200. */
  failWith: number | null;
  lastHeaders: Headers | null;
  stop(): Promise<void>;
}

/** A tiny app instance: answers with its name and the size of the body it read. */
function startUpstream(name: string): Upstream {
  const upstream: Upstream = {
    name,
    address: '',
    seen: { GET: 0, POST: 0 },
    failWith: null,
    lastHeaders: null,
    stop: async () => {
      await server.stop(true);
    },
  };
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      if (request.method === 'GET' || request.method === 'POST') upstream.seen[request.method]++;
      upstream.lastHeaders = request.headers;
      const body = await request.arrayBuffer();
      if (upstream.failWith) return new Response('unavailable', { status: upstream.failWith });
      return Response.json({ name, bytes: body.byteLength });
    },
  });
  upstream.address = `127.0.0.1:${server.port}`;
  return upstream;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function upstreams(...names: string[]): Upstream[] {
  const started = names.map(startUpstream);
  for (const upstream of started) cleanup.push(upstream.stop);
  return started;
}

async function nginxFor(list: Upstream[]): Promise<TestNginx> {
  const nginx = await startNginx({ upstreams: list.map((upstream) => upstream.address) });
  cleanup.push(nginx.stop);
  return nginx;
}

async function get(nginx: TestNginx): Promise<{ status: number; name?: string }> {
  const response = await fetch(`${nginx.url}/x`);
  if (!response.ok) return { status: response.status };
  const { name } = (await response.json()) as { name: string };
  return { status: response.status, name };
}

describe('startNginx', () => {
  test('balances across the upstreams and forwards the client headers', async () => {
    const [a, b] = upstreams('a', 'b');
    const nginx = await nginxFor([a!, b!]);
    const names = new Set<string | undefined>();
    for (let i = 0; i < 6; i++) names.add((await get(nginx)).name);
    expect([...names].sort()).toEqual(['a', 'b']);
    expect(a!.seen.GET + b!.seen.GET).toBe(6);

    const headers = (a!.lastHeaders ?? b!.lastHeaders)!;
    expect(headers.get('host')).toBe(`127.0.0.1:${nginx.port}`);
    expect(headers.get('x-forwarded-for')).toBe('127.0.0.1');
    expect(headers.get('x-forwarded-proto')).toBe('http');
  });

  test('a stopped upstream is skipped, for GET and for a POST it never received', async () => {
    const [a, b] = upstreams('a', 'b');
    const nginx = await nginxFor([a!, b!]);
    await a!.stop();
    for (let i = 0; i < 4; i++) expect(await get(nginx)).toEqual({ status: 200, name: 'b' });
    const body = new Uint8Array(5_000_000).fill(7);
    const response = await fetch(`${nginx.url}/api/1/upload`, { method: 'POST', body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: 'b', bytes: body.byteLength });
  });

  test('a 503 is retried on the next upstream for GET but not for a POST that was sent', async () => {
    const [a, b] = upstreams('a', 'b');
    a!.failWith = 503;
    const getNginx = await nginxFor([a!, b!]);
    const gets = [await get(getNginx), await get(getNginx)];
    expect(gets).toEqual([
      { status: 200, name: 'b' },
      { status: 200, name: 'b' },
    ]);
    expect(a!.seen.GET).toBeGreaterThanOrEqual(1); // a was asked and answered 503

    const postNginx = await nginxFor([a!, b!]);
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${postNginx.url}/api/1/upload`, { method: 'POST', body: 'x' });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    // Round robin sends one POST to each: a's 503 reaches the client, not a second server.
    expect(statuses.sort()).toEqual([200, 503]);
    expect(a!.seen.POST).toBe(1);
    expect(b!.seen.POST).toBe(1);
  });

  test('reload switches the upstreams', async () => {
    const [a, b] = upstreams('a', 'b');
    const nginx = await nginxFor([a!]);
    expect(await get(nginx)).toEqual({ status: 200, name: 'a' });
    await nginx.reload([b!.address]);
    for (let i = 0; i < 4; i++) expect(await get(nginx)).toEqual({ status: 200, name: 'b' });
    await nginx.reload([a!.address, b!.address]);
    const names = new Set<string | undefined>();
    for (let i = 0; i < 4; i++) names.add((await get(nginx)).name);
    expect([...names].sort()).toEqual(['a', 'b']);
  });

  test('stop leaves no process and no prefix behind', async () => {
    const [a] = upstreams('a');
    const nginx = await startNginx({ upstreams: [a!.address] });
    const master = nginx.pid;
    const workers = await childPids(master);
    expect(workers.length).toBe(1);
    const prefix = nginx.prefix;
    expect(existsSync(prefix)).toBe(true);
    await nginx.stop();
    for (const pid of [master, ...workers]) expect(isAlive(pid)).toBe(false);
    expect(existsSync(prefix)).toBe(false);
    await expect(fetch(nginx.url)).rejects.toThrow();
    await nginx.stop();
  });
});
