// Big uploads stream to a temp file as they arrive (README: Performance): a client that
// goes away half-way leaves no temp file and no row, and the server goes on.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { file, png } from './helpers/images.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const tempFiles = () => readdir(join(server.dataDir, '.tmp')).catch(() => [] as string[]);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describe('a client that disconnects mid-upload', () => {
  test('leaves no temp file and no row once the body was past the memory threshold', async () => {
    const port = Number(new URL(server.url).port);
    const boundary = 'bigboundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="source"; filename="big.mp4"\r\n\r\n`;
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const declared = 60_000_000;
    socket.write(
      `POST /api/1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${server.adminKey}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${head.length + declared}\r\n\r\n${head}`,
    );
    // 12 MB: past the 8 MB a file may hold in memory, so the rest goes to a temp file.
    const chunk = Buffer.alloc(1_000_000, 7);
    for (let i = 0; i < 12; i++) {
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
    }
    await until('the upload to spill to a temp file', async () => (await tempFiles()).length > 0);
    socket.destroy();

    await until('the temp file to be removed', async () => (await tempFiles()).length === 0);
    expect(await server.imageCount()).toBe(0);
    // The server goes on: the next upload is stored and leaves nothing behind either.
    const res = await server.upload({ source: file(await png(40, 30), 'after.png') });
    expect(res.status).toBe(200);
    expect(await tempFiles()).toEqual([]);
  });
});
