import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiErrors } from '@upshot/schema';
import type { Subprocess } from 'bun';
import { loadConfig } from '../../src/config.ts';
import { bodyLimitFor } from '../../src/http/routes/upload.ts';
import { file, jpeg } from '../helpers/images.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { nginxBinary } from '../support/nginx.ts';
import { freePort, isRoot, runCommand, waitFor } from '../support/process.ts';
import { deployFile, parseEnvFile } from './files.ts';

const example = deployFile('nginx.conf');
const settings = parseEnvFile(deployFile('upshot.env.example'));
const METRICS_TOKEN = 'nginx-test-metrics-token-0123456789';

/** The value of a directive that appears once in the example. */
function directive(name: string): string {
  const found = [...example.matchAll(new RegExp(`^\\s*${name}\\s+([^;]+);`, 'gm'))];
  expect({ name, count: found.length }).toEqual({ name, count: 1 });
  return found[0]?.[1]?.trim() ?? '';
}

const seconds = (value: string): number => {
  const match = /^(\d+)(s|m)?$/.exec(value);
  if (!match) throw new Error(`not a time: ${value}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
};

/**
 * The example as this test runs it: its upstream servers pointed at `upstreams`, its
 * `listen` at a loopback port, and its log in the temp prefix. Nothing else changes.
 */
function adapt(prefix: string, port: number, upstreams: string[]): string {
  const servers = [...example.matchAll(/^(\s*server )127\.0\.0\.1:\d+( [^;]*;)$/gm)];
  expect(servers.length).toBe(upstreams.length);
  let i = 0;
  let text = example.replace(
    /^(\s*server )127\.0\.0\.1:\d+( [^;]*;)$/gm,
    (_, head: string, tail: string) => `${head}${upstreams[i++]}${tail}`,
  );
  expect(text).toContain('    listen 80;\n');
  text = text.replace('    listen 80;\n', `    listen 127.0.0.1:${port};\n`);
  expect(text).toContain('/var/log/nginx/');
  return text.replaceAll('/var/log/nginx/', `${prefix}/`);
}

/** The `http` block around the example, as /etc/nginx/nginx.conf is around conf.d/. */
function mainConfig(prefix: string): string {
  const path = (name: string) => join(prefix, name);
  return `
daemon off;
worker_processes 1;
${isRoot() ? 'user root;' : ''}
pid ${path('nginx.pid')};
error_log ${path('error.log')} notice;
events { worker_connections 256; }
http {
  default_type application/octet-stream;
  client_body_temp_path ${path('client_body')};
  proxy_temp_path ${path('proxy')};
  fastcgi_temp_path ${path('fastcgi')};
  uwsgi_temp_path ${path('uwsgi')};
  scgi_temp_path ${path('scgi')};
  include ${path('upshot.conf')};
}
`;
}

/**
 * Sends raw request bytes from a given loopback address and resolves with the reply once
 * its Content-Length has arrived (nginx may keep reading a refused body for a while).
 */
function rawExchange(
  port: number,
  request: Uint8Array,
  localAddress = '127.0.0.1',
): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let received = Buffer.alloc(0);
    const reply = () => {
      const split = received.indexOf('\r\n\r\n');
      if (split < 0) return null;
      const headers = received.subarray(0, split).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? Number.NaN);
      const body = received.subarray(split + 4);
      if (!(body.length >= length)) return null;
      return {
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]),
        headers,
        body: body.subarray(0, length).toString('utf8'),
      };
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const done = reply();
      if (done) {
        socket.destroy();
        resolve(done);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed before a whole reply: ${received}`)));
    socket.write(request);
  });
}

describe('deploy/nginx.conf', () => {
  test('its limits and timeouts match Upshot’s settings in deploy/upshot.env.example', () => {
    const config = loadConfig(settings);
    const limit = bodyLimitFor(config.maxUploadMbUser);
    const size = /^(\d+)m$/.exec(directive('client_max_body_size'));
    const bytes = Number(size?.[1]) * 1024 * 1024;
    // Upshot refuses oversized uploads itself; nginx only stops bodies larger still.
    expect(bytes).toBeGreaterThanOrEqual(limit);
    expect(bytes).toBeLessThan(limit * 1.1);
    expect(directive('proxy_request_buffering')).toBe('off');
    for (const name of ['client_body_timeout', 'proxy_send_timeout']) {
      expect(seconds(directive(name))).toBeGreaterThanOrEqual(config.bodyTimeoutMs / 1000);
    }
    expect(seconds(directive('proxy_read_timeout'))).toBeGreaterThan(config.mediaTimeoutMs / 1000);
    expect(directive('proxy_set_header X-Forwarded-For')).toBe('$proxy_add_x_forwarded_for');
    expect(directive('proxy_next_upstream')).not.toContain('non_idempotent');
    // nginx closes idle upstream connections before Upshot does.
    expect(seconds(directive('keepalive_timeout'))).toBeLessThan(config.idleTimeoutMs / 1000);
    // nginx's own 413 is the contract's envelope for the configured limit.
    const tooBig = /return 413 '([^']+)'/.exec(example)?.[1] ?? '';
    const spec = ApiErrors.fileTooBig(config.maxUploadMbUser);
    expect(JSON.parse(tooBig)).toEqual({
      status_code: spec.status,
      error: { message: spec.message, code: spec.code },
      status_txt: 'Payload Too Large',
    });
  });

  describe('run in front of a real Upshot', () => {
    let upshot: TestServer;
    let prefix: string;
    let nginx: Subprocess;
    let url: string;
    let port: number;

    beforeAll(async () => {
      const env: Record<string, string> = { ...settings, UPSHOT_METRICS_TOKEN: METRICS_TOKEN };
      // The test server picks its own address and folder.
      for (const name of ['HOST', 'PORT', 'UPSHOT_BASE_URL', 'UPSHOT_DATA_DIR']) delete env[name];
      upshot = await startTestServer(env);
      prefix = await mkdtemp(join(tmpdir(), 'upshot-deploy-nginx-'));
      port = await freePort();
      url = `http://127.0.0.1:${port}`;
      // The first upstream is down (nothing listens there): requests move on to the next.
      const down = `127.0.0.1:${await freePort()}`;
      const live = upshot.url.replace('http://', '');
      await writeFile(join(prefix, 'upshot.conf'), adapt(prefix, port, [down, live]));
      await writeFile(join(prefix, 'nginx.conf'), mainConfig(prefix));
      const args = [
        '-p',
        `${prefix}/`,
        '-c',
        join(prefix, 'nginx.conf'),
        '-e',
        join(prefix, 'error.log'),
      ];
      const check = await runCommand([nginxBinary(), '-t', ...args]);
      expect({ exit: check.exitCode, stderr: check.stderr }).toMatchObject({ exit: 0 });
      const log = openSync(join(prefix, 'error.log'), 'a');
      nginx = Bun.spawn([nginxBinary(), ...args], { stdin: 'ignore', stdout: log, stderr: log });
      closeSync(log);
      await waitFor(async () => {
        if (nginx.exitCode !== null) {
          throw new Error(`nginx exited: ${await readFile(join(prefix, 'error.log'), 'utf8')}`);
        }
        return (await fetch(`${url}/healthz`).catch(() => null))?.status === 200;
      }, 'nginx to serve Upshot');
    });

    afterAll(async () => {
      nginx?.kill('SIGQUIT');
      await nginx?.exited;
      await upshot?.stop();
      if (prefix) await rm(prefix, { recursive: true, force: true });
    });

    test('uploads larger than nginx’s default body limit stream through', async () => {
      const bytes = await jpeg(1600, 1200, { quality: 100 });
      expect(bytes.length).toBeGreaterThan(1024 * 1024);
      const form = new FormData();
      form.append('source', file(bytes, 'big.jpg'));
      const res = await fetch(`${url}/api/1/upload`, {
        method: 'POST',
        headers: { 'X-API-Key': upshot.adminKey },
        body: form,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const { image } = (await res.json()) as { image: { size: number } };
      expect(image.size).toBe(bytes.length);
      // nginx's access log names the same request id, to follow it into Upshot's log.
      const id = res.headers.get('x-request-id') ?? 'none';
      await waitFor(
        async () =>
          (await readFile(join(prefix, 'upshot.access.log'), 'utf8').catch(() => '')).includes(
            `id=${id}`,
          ),
        'the access log line',
        30_000,
      );
    });

    test('a body over client_max_body_size gets the API’s JSON 413, not nginx’s page', async () => {
      const reply = await rawExchange(
        port,
        new TextEncoder().encode(
          'POST /api/1/upload HTTP/1.1\r\nHost: img.example.com\r\n' +
            `X-API-Key: ${upshot.adminKey}\r\nContent-Length: ${200 * 1024 * 1024}\r\n` +
            'Connection: close\r\n\r\n',
        ),
      );
      expect(reply.status).toBe(413);
      expect(reply.headers.toLowerCase()).toContain('content-type: application/json');
      expect(JSON.parse(reply.body).error.code).toBe(400);
    });

    test('Upshot sees the client’s address from X-Forwarded-For, never one the client wrote', async () => {
      const form = new FormData();
      form.append('source', file(await jpeg(64, 48), 'guest.jpg'));
      const encoded = new Response(form);
      const type = encoded.headers.get('content-type');
      const body = new Uint8Array(await encoded.arrayBuffer());
      const head =
        'POST /api/1/upload HTTP/1.1\r\nHost: img.example.com\r\n' +
        `X-API-Key: ${upshot.guestKey}\r\nX-Forwarded-For: 203.0.113.9\r\n` +
        `Content-Type: ${type}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
      // The client connects from 127.0.0.2, a loopback address other than nginx's own.
      const reply = await rawExchange(
        port,
        Buffer.concat([Buffer.from(head), Buffer.from(body)]),
        '127.0.0.2',
      );
      expect(reply.status).toBe(200);
      const handle = upshot.upshot.database.sqlite?.handle;
      if (!handle) throw new Error('the test server runs on SQLite');
      const row = handle
        .query<{ ip: string }, []>('SELECT uploader_ip AS ip FROM images ORDER BY id DESC LIMIT 1')
        .get();
      expect(row?.ip).toBe('127.0.0.2');
    });

    test('file replies keep Upshot’s caching and range headers', async () => {
      const res = await upshot.upload({ source: file(await jpeg(300, 200), 'cached.jpg') });
      const { image } = (await res.json()) as { image: { url: string } };
      const path = new URL(image.url).pathname;
      const direct = await fetch(`${upshot.url}${path}`);
      const proxied = await fetch(`${url}${path}`);
      expect(proxied.status).toBe(200);
      expect(new Uint8Array(await proxied.arrayBuffer())).toEqual(
        new Uint8Array(await direct.arrayBuffer()),
      );
      for (const name of [
        'cache-control',
        'etag',
        'last-modified',
        'content-type',
        'x-content-type-options',
        'accept-ranges',
      ]) {
        expect({ name, value: proxied.headers.get(name) }).toEqual({
          name,
          value: direct.headers.get(name),
        });
      }
      const etag = proxied.headers.get('etag') ?? '';
      expect((await fetch(`${url}${path}`, { headers: { 'If-None-Match': etag } })).status).toBe(
        304,
      );
      const range = await fetch(`${url}${path}`, { headers: { Range: 'bytes=0-9' } });
      expect(range.status).toBe(206);
      expect((await range.arrayBuffer()).byteLength).toBe(10);
    });

    test('/metrics is not reachable through nginx, even with the token', async () => {
      const headers = { Authorization: `Bearer ${METRICS_TOKEN}` };
      expect((await fetch(`${upshot.url}/metrics`, { headers })).status).toBe(200);
      const proxied = await fetch(`${url}/metrics`, { headers });
      expect(proxied.status).toBe(404);
      expect(await proxied.text()).not.toContain('upshot_');
    });
  });
});
