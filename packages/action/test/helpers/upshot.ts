import { Database } from 'bun:sqlite';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '@upshot/server/test-server';
// The server's own ffmpeg fixture (the bundled ffmpeg, lavfi sources): a real clip, since the
// real server sniffs and probes what it is given.
import { makeClip } from '../../../server/test/fixtures/videos.ts';

/**
 * The real Upshot server (the app on 127.0.0.1, port 0, a real SQLite file in a temp folder),
 * what it stored read back from its database, and, when asked, a flaky front that answers 503
 * a number of times before forwarding to it.
 */

export interface UpshotOptions {
  /** Put a front in front of the server that answers this many requests 503 (`Retry-After: 0`). */
  failFirst?: number;
  /** Settings of the server (UPSHOT_FILE_UPLOADS, ...). */
  env?: Record<string, string>;
}

/** An image row as the server stored it. */
export interface StoredImage {
  id: number;
  type: 'image' | 'video' | 'file';
  mime: string;
  name: string;
  extension: string;
  originalFilename: string;
  title: string;
  /** md5 of the bytes as uploaded. */
  uploadMd5: string;
}

export interface Upshot {
  server: TestServer;
  /** The action's `server-url`: the server itself, or the flaky front. */
  url: string;
  apiKey: string;
  /** Status of each request the flaky front answered, in order (empty without a front). */
  front: number[];
  /** Images stored, oldest first. */
  images(): StoredImage[];
  /** Uploads accepted: each one, a duplicate of stored bytes too, gets a new delete token. */
  uploads(): number;
  /** sha256 of every delete token handed out, oldest first. */
  deleteTokenHashes(): string[];
  stop(): Promise<void>;
}

export async function startUpshot(options: UpshotOptions = {}): Promise<Upshot> {
  const server = await startTestServer(options.env);
  const db = new Database(path.join(server.dataDir, 'upshot.sqlite'), { readonly: true });
  const front: number[] = [];
  let failures = options.failFirst ?? 0;
  const proxy =
    options.failFirst === undefined
      ? null
      : Bun.serve({
          port: 0,
          hostname: '127.0.0.1',
          async fetch(request) {
            if (failures > 0) {
              failures -= 1;
              await request.arrayBuffer();
              front.push(503);
              return new Response('Service Unavailable', {
                status: 503,
                headers: { 'retry-after': '0' },
              });
            }
            const url = new URL(request.url);
            const response = await fetch(`${server.url}${url.pathname}${url.search}`, {
              method: request.method,
              headers: request.headers,
              body: await request.arrayBuffer(),
              redirect: 'manual',
            });
            front.push(response.status);
            // fetch has decoded the body: its encoding and length no longer apply.
            const headers = new Headers(response.headers);
            headers.delete('content-encoding');
            headers.delete('content-length');
            return new Response(await response.arrayBuffer(), {
              status: response.status,
              headers,
            });
          },
        });
  return {
    server,
    url: proxy ? `http://127.0.0.1:${proxy.port}` : server.url,
    apiKey: server.adminKey,
    front,
    images: () =>
      db
        .query(
          `SELECT id, type, mime, name, extension, original_filename AS originalFilename, title,
             upload_md5 AS uploadMd5 FROM images ORDER BY id`,
        )
        .all() as StoredImage[],
    uploads: () => (db.query('SELECT count(*) AS n FROM delete_tokens').get() as { n: number }).n,
    deleteTokenHashes: () =>
      (
        db.query('SELECT token_hash AS hash FROM delete_tokens ORDER BY id').all() as Array<{
          hash: string;
        }>
      ).map((row) => row.hash),
    async stop() {
      await proxy?.stop(true);
      db.close();
      await server.stop();
    },
  };
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let clip: Promise<Uint8Array> | undefined;
/** A real one-second MP4 (made once per test file). */
export function videoClip(): Promise<Uint8Array> {
  clip ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'upshot-clip-'));
    try {
      const file = await makeClip(dir, 'clip.mp4', {
        width: 96,
        height: 64,
        seconds: 1,
        container: 'mp4',
        fps: 10,
      });
      return await Bun.file(file).bytes();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return clip;
}
