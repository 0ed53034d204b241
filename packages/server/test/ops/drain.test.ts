// SIGTERM drains (README: Operating Upshot): no new connections, running uploads finish
// until UPSHOT_SHUTDOWN_TIMEOUT_S, then those still running get a 503 envelope and store
// nothing, and the process exits 0.
import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { png } from '../helpers/images.ts';
import { startTestServer } from '../helpers/server.ts';
import { PROCESS_ADMIN_KEY, startUpshotProcess } from '../support/upshot-process.ts';

/** An upload sent by hand: its headers and the first half of its body now, the rest later. */
async function splitUpload(port: number) {
  const boundary = 'quickboundary';
  const bytes = await png(320, 200);
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="source"; filename="quick.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Buffer.concat([head, Buffer.from(bytes), tail]);
  const socket: Socket = connect(port, '127.0.0.1');
  let reply = '';
  const answered = new Promise<string>((resolve) => {
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (/\r\n\r\n[\s\S]*\}$/.test(reply)) resolve(reply);
    });
    socket.on('close', () => resolve(reply));
  });
  socket.write(
    `POST /api/1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${PROCESS_ADMIN_KEY}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  const half = Math.floor(body.length / 2);
  socket.write(body.subarray(0, half));
  return {
    answered,
    finish: () => socket.write(body.subarray(half)),
    close: () => socket.destroy(),
  };
}

/** Sends an upload's headers and the start of its body, then trickles the rest. */
function tricklingUpload(port: number, path = '/api/1/upload') {
  const boundary = 'drainboundary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="source"; filename="slow.png"\r\nContent-Type: image/png\r\n\r\n`;
  const total = head.length + 1_000_000;
  const socket: Socket = connect(port, '127.0.0.1');
  let reply = '';
  const answered = new Promise<string>((resolve) => {
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (/\r\n\r\n[\s\S]*\}/.test(reply)) resolve(reply);
    });
    socket.on('close', () => resolve(reply));
  });
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${PROCESS_ADMIN_KEY}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${total}\r\n\r\n${head}`,
  );
  // Enough bytes that the server is reading the body, then a trickle.
  socket.write(Buffer.alloc(300_000, 1));
  const timer = setInterval(() => socket.writable && socket.write(Buffer.alloc(100, 2)), 200);
  return {
    answered,
    close() {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

describe('SIGTERM', () => {
  test('stops taking connections, lets a quick upload finish, answers a stuck one 503, exits 0', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-drain-'));
    try {
      const server = await startUpshotProcess(dataDir, { UPSHOT_SHUTDOWN_TIMEOUT_S: '3' });
      const stuck = tricklingUpload(server.port);
      const quick = await splitUpload(server.port);
      // The server is receiving both bodies.
      await Bun.sleep(300);
      const signalled = Date.now();
      server.kill('SIGTERM');
      await Bun.sleep(100);
      quick.finish();

      // The quick upload, under way when the signal came, is answered and stored.
      const quickRaw = await quick.answered;
      quick.close();
      expect(quickRaw).toStartWith('HTTP/1.1 200');
      const stored = JSON.parse(quickRaw.slice(quickRaw.indexOf('{'))).image;

      // No new connection is taken while draining.
      await Bun.sleep(200);
      const refused = await fetch(`${server.url}/healthz`).then(
        (res) => res.status,
        () => 'refused',
      );
      expect(refused).toBe('refused');

      // At the deadline the stuck upload gets a clean 503 in the envelope.
      const raw = await stuck.answered;
      stuck.close();
      const waited = Date.now() - signalled;
      expect(raw).toStartWith('HTTP/1.1 503');
      expect(JSON.parse(raw.slice(raw.indexOf('{')))).toEqual({
        status_code: 503,
        error: { message: 'Server is restarting, try again', code: 107 },
        status_txt: 'Service Unavailable',
      });
      expect(waited).toBeGreaterThanOrEqual(2_500);
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('1 request(s) were still running and got a 503');

      // Nothing of the stuck upload is left; the quick one is there after a restart.
      const db = new Database(join(dataDir, 'upshot.sqlite'), { readonly: true });
      const rows = db.query('SELECT status, original_filename FROM images').all();
      db.close();
      expect(rows).toEqual([{ status: 'live', original_filename: 'quick.png' }]);
      expect(await readdir(join(dataDir, '.tmp')).catch(() => [])).toEqual([]);
      const again = await startUpshotProcess(dataDir, {}, server.port);
      expect((await fetch(stored.url)).status).toBe(200);
      again.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  test('with nothing running it exits 0 at once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-drain-'));
    try {
      const server = await startUpshotProcess(dataDir);
      const started = Date.now();
      server.kill('SIGINT');
      expect(await server.exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('/healthz answers 503 while draining, so a load balancer stops sending', async () => {
    const server = await startTestServer();
    const port = Number(new URL(server.url).port);
    const stuck = tricklingUpload(port);
    await Bun.sleep(300);
    expect(server.upshot.drain.inFlight).toBe(1);
    const stopping = server.upshot.stop(2_000);
    // Asked on a connection the balancer already holds (here: straight to the handler).
    const health = await server.upshot.fetch(new Request(`${server.url}/healthz`), null);
    expect({ status: health.status, body: await health.json() }).toEqual({
      status: 503,
      body: { status: 'draining' },
    });
    const refused = await server.upshot.fetch(
      new Request(`${server.url}/api/1/upload`, {
        method: 'POST',
        headers: { 'X-API-Key': server.adminKey },
      }),
      null,
    );
    expect(refused.status).toBe(503);
    expect((await stopping).aborted).toBe(1);
    stuck.close();
    await rm(server.dataDir, { recursive: true, force: true });
  });
});
