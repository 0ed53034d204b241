// Upload forms as they stream in (src/http/form.ts), over a real HTTP server: files kept
// in memory are assembled in pooled buffers that go back to the pool on cleanup, and a
// file past the memory threshold continues into a temp file with every byte in order.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BufferPool, createBufferPool } from '../../src/http/buffer-pool.ts';
import { type ReceivedFile, receiveForm } from '../../src/http/form.ts';
import { md5 } from '../helpers/images.ts';

interface Seen {
  file: ReceivedFile;
  bytes: Uint8Array | null;
  onDisk: Uint8Array | null;
  fields: Record<string, string>;
}

let tempDir: string;
let pool: BufferPool;
let server: ReturnType<typeof Bun.serve>;
let seen: Seen[] = [];
const THRESHOLD = 1024 * 1024;

beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'upshot-form-'));
  pool = createBufferPool({ maxFreeBytes: 16 * 1024 * 1024 });
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    maxRequestBodySize: 64 * 1024 * 1024,
    async fetch(request) {
      const form = await receiveForm(request, {
        maxBytes: () => 64 * 1024 * 1024,
        timeoutMs: 60_000,
        fileFields: ['source'],
        maxFieldBytes: 1000,
        memoryThreshold: THRESHOLD,
        bufferPool: pool,
        tempDir,
        tempPrefix: 'form-test',
      });
      const file = form.files.source!;
      // Copies: what the route would use before cleanup.
      seen.push({
        file,
        bytes: file.bytes ? file.bytes.slice() : null,
        onDisk: file.path ? await Bun.file(file.path).bytes() : null,
        fields: form.fields,
      });
      await form.cleanup();
      return new Response('ok');
    },
  });
});

afterAll(async () => {
  server.stop(true);
  await rm(tempDir, { recursive: true, force: true });
});

const noise = (size: number, seed: number): Uint8Array<ArrayBuffer> => {
  const bytes = new Uint8Array(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
};

async function send(bytes: Uint8Array<ArrayBuffer>, options: { chunked?: boolean } = {}) {
  const form = new FormData();
  form.append('title', 'a title');
  form.append('source', new File([bytes], 'noise.bin'));
  const encoded = new Response(form);
  const type = encoded.headers.get('content-type')!;
  const body = new Uint8Array(await encoded.arrayBuffer());
  // Without a declared length: a stream of 50 KB pieces (Transfer-Encoding: chunked).
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < body.length; at += 50_000) {
        controller.enqueue(body.slice(at, at + 50_000));
      }
      controller.close();
    },
  });
  const res = await fetch(`http://127.0.0.1:${server.port}/`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: options.chunked ? stream : body,
  });
  expect(res.status).toBe(200);
  await res.text();
  const last = seen.at(-1)!;
  seen = [];
  return last;
}

describe('receiving an upload form', () => {
  test('keeps a small file in memory, byte for byte, in a buffer the pool gets back', async () => {
    const bytes = noise(300_000, 1);
    const got = await send(bytes);
    expect(got.fields.title).toBe('a title');
    expect(got.file.size).toBe(bytes.length);
    expect(got.file.md5).toBe(md5(bytes));
    expect(got.onDisk).toBeNull();
    expect(got.bytes).toEqual(bytes);
    // After cleanup the file's memory belongs to the pool, and the file no longer has it.
    expect(got.file.bytes).toBeNull();
    expect(pool.freeBytes).toBeGreaterThanOrEqual(bytes.length);
  });

  test('reuses the pooled buffer for the next upload without mixing their bytes', async () => {
    const a = noise(700_000, 2);
    const b = noise(650_000, 3);
    const gotA = await send(a);
    const free = pool.freeBytes;
    const gotB = await send(b);
    expect(gotA.bytes).toEqual(a);
    expect(gotB.bytes).toEqual(b);
    expect(gotB.file.md5).toBe(md5(b));
    // The second upload took the buffer the first gave back: no new memory is kept.
    expect(pool.freeBytes).toBe(free);
  });

  test('grows its buffer when the body does not say its length', async () => {
    const bytes = noise(900_000, 4);
    const got = await send(bytes, { chunked: true });
    expect(got.file.size).toBe(bytes.length);
    expect(got.bytes).toEqual(bytes);
    expect(got.file.md5).toBe(md5(bytes));
  });

  test('continues a file past the threshold into a temp file, the in-memory part first', async () => {
    const bytes = noise(THRESHOLD * 3 + 12_345, 5);
    for (const chunked of [false, true]) {
      const got = await send(bytes, { chunked });
      expect(got.bytes).toBeNull();
      expect(got.file.size).toBe(bytes.length);
      expect(got.file.md5).toBe(md5(bytes));
      expect(got.onDisk).toEqual(bytes);
    }
    // Cleanup removed the temp files.
    expect(await readdir(tempDir)).toEqual([]);
  });
});
