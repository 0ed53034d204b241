// Two instances on one PostgreSQL database and one bucket (s3rver, a FAKE S3 server),
// behind nginx as the load balancer, behave as one server (README: Running several
// instances): uploads, reads, deletes, flood limits, sessions and identical uploads in
// flight are shared; one instance killed, the other goes on; PostgreSQL restarted under
// them and the bucket unreachable, they answer cleanly and recover without a restart.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent } from '../accounts/agent.ts';
import { png } from '../helpers/images.ts';
import { startNginx, type TestNginx } from '../support/nginx.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { freePort } from '../support/process.ts';
import { type S3rverHandle, startS3rver } from '../support/s3rver.ts';
import {
  PROCESS_ADMIN_KEY,
  startUpshotProcess,
  type UpshotProcess,
} from '../support/upshot-process.ts';

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

let pg: TestPostgres;
let s3: S3rverHandle;
let lb: TestNginx;
let a: UpshotProcess;
let b: UpshotProcess;
let env: Record<string, string>;
const dirs: string[] = [];

async function instance(port: number): Promise<UpshotProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'upshot-instance-'));
  dirs.push(dir);
  return startUpshotProcess(dir, env, port);
}

beforeAll(async () => {
  [pg, s3] = await Promise.all([startPostgres(), startS3rver()]);
  const [portA, portB] = [await freePort(), await freePort()];
  lb = await startNginx({ upstreams: [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`] });
  env = {
    UPSHOT_BASE_URL: lb.url,
    UPSHOT_DATABASE_URL: pg.url,
    UPSHOT_STORAGE: 's3',
    UPSHOT_S3_ENDPOINT: s3.endpoint,
    UPSHOT_S3_BUCKET: s3.bucket,
    UPSHOT_S3_REGION: s3.region,
    UPSHOT_S3_ACCESS_KEY_ID: s3.accessKeyId,
    UPSHOT_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    UPSHOT_STORAGE_TIMEOUT_S: '2',
    UPSHOT_TRUST_PROXY: 'loopback',
    UPSHOT_RATE_LIMIT_GUEST_PER_MINUTE: '4',
  };
  // Both start at once on the empty database: the migration lock lets them both come up.
  [a, b] = await Promise.all([instance(portA), instance(portB)]);
}, 120_000);

afterAll(async () => {
  for (const server of [a, b]) server?.kill('SIGKILL');
  await Promise.all([a?.exited, b?.exited]);
  await lb?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const direct = (server: UpshotProcess, url: string) => url.replace(lb.url, server.url);

async function upload(
  to: string,
  bytes: Uint8Array,
  name: string,
  key = PROCESS_ADMIN_KEY,
  extra: Record<string, string> = {},
) {
  const form = new FormData();
  form.append('source', new File([bytes.slice()], name));
  for (const [field, value] of Object.entries(extra)) form.append(field, value);
  return fetch(`${to}/api/1/upload`, { method: 'POST', headers: { 'X-API-Key': key }, body: form });
}

describe('two instances, one database, one bucket', () => {
  test('an upload through one is read and deleted through the other', async () => {
    const bytes = await png(640, 400);
    const res = await upload(a.url, bytes, 'shared.png');
    expect(res.status).toBe(200);
    const { image } = await res.json();
    expect(image.url.startsWith(`${lb.url}/images/`)).toBe(true);
    for (const server of [a, b]) {
      const read = await fetch(direct(server, image.url));
      expect({ status: read.status, md5: md5(new Uint8Array(await read.arrayBuffer())) }).toEqual({
        status: 200,
        md5: image.md5,
      });
      expect((await fetch(direct(server, image.medium.url))).status).toBe(200);
    }
    expect((await fetch(image.url)).status).toBe(200);
    const gone = await fetch(direct(b, image.delete_url), { method: 'POST' });
    expect(gone.status).toBe(200);
    // At once on the instance that deleted it; within 2 s on the other, whose file cache
    // may hold the image for up to a second (README: Performance).
    expect((await fetch(direct(b, image.url))).status).toBe(404);
    const deletedAt = Date.now();
    let status = 200;
    while (status !== 404 && Date.now() - deletedAt < 2_000) {
      status = (await fetch(direct(a, image.url))).status;
      if (status !== 404) await Bun.sleep(50);
    }
    expect(status).toBe(404);
    // The objects go too (the removal job runs on whichever instance takes it).
    const key = new URL(image.url).pathname.slice(1);
    const deadline = Date.now() + 20_000;
    while (s3.requests.filter((r) => r.method === 'DELETE' && r.url.includes(key)).length === 0) {
      if (Date.now() > deadline) throw new Error('the object was never deleted');
      await Bun.sleep(100);
    }
  });

  test('the guest flood limit is one count across instances', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await upload(
        i % 2 ? a.url : b.url,
        await png(30 + i, 20),
        `g${i}.png`,
        await guestKey(),
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  test('a session made on one instance works on the other', async () => {
    const onA = createAgent(a.url);
    await onA.get('/signup');
    const made = await onA.post('/signup', {
      username: 'shared',
      password: 'a long password here',
    });
    expect(made.res.status).toBe(303);
    const onB = createAgent(b.url);
    for (const [name, value] of onA.jar) onB.jar.set(name, value);
    const account = await onB.get('/account');
    expect(account.res.status).toBe(200);
    expect(account.text).toContain('shared');
  });

  test('the same bytes sent to both at once by one user are stored once', async () => {
    const bytes = await png(700, 500);
    const replies = await Promise.all(
      [a, b, a, b].map(
        async (server) => (await (await upload(server.url, bytes, 'twice.png')).json()).image,
      ),
    );
    expect(new Set(replies.map((image) => image.id_encoded)).size).toBe(1);
    expect(new Set(replies.map((image) => image.delete_url)).size).toBe(4);
    const rows = await pg.query(`SELECT count(*) FROM images WHERE upload_md5 = '${md5(bytes)}'`);
    expect(rows.trim()).toBe('1');
  });

  test('one instance killed: the other goes on, through the balancer too', async () => {
    a.kill('SIGKILL');
    await a.exited;
    for (let i = 0; i < 4; i++) {
      const res = await upload(lb.url, await png(50 + i, 40), `survivor${i}.png`);
      expect(res.status).toBe(200);
      const { image } = await res.json();
      expect((await fetch(image.url)).status).toBe(200);
    }
    a = await instance(a.port);
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
  }, 60_000);

  test('PostgreSQL restarted under them: clean refusals meanwhile, uploads again within seconds', async () => {
    const stopped = pg.kill();
    await stopped;
    const during = await upload(a.url, await png(90, 60), 'during.png');
    expect(during.status).toBe(503);
    expect((await during.json()).error).toEqual({
      message: 'Database unavailable, try again later',
      code: 106,
    });
    const health = await fetch(`${b.url}/healthz`);
    expect({ status: health.status, body: await health.json() }).toEqual({
      status: 503,
      body: { status: 'error', database: 'unavailable', storage: 'ok' },
    });
    await pg.restart();
    const back = Date.now();
    for (const server of [a, b]) {
      let status = 0;
      while (status !== 200) {
        status = (await upload(server.url, await png(91, 60 + (Date.now() % 50)), 'after.png'))
          .status;
        if (status !== 200) {
          expect(Date.now() - back).toBeLessThan(15_000);
          await Bun.sleep(200);
        }
      }
    }
  }, 60_000);

  test('the bucket unreachable: a 503 with Retry-After within the storage timeout, nothing stored; reads 503, not a hang', async () => {
    const stored = (await (await upload(a.url, await png(120, 80), 'before-outage.png')).json())
      .image;
    const rowsBefore = await pg.query('SELECT count(*) FROM images');
    s3.pause();
    try {
      const started = Date.now();
      const res = await upload(b.url, await png(121, 80), 'outage.png');
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await res.json()).error).toEqual({
        message: 'Storage unavailable, try again later',
        code: 105,
      });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect((await pg.query('SELECT count(*) FROM images')).trim()).toBe(rowsBefore.trim());
      const readStarted = Date.now();
      const read = await fetch(direct(a, stored.url));
      expect(read.status).toBe(503);
      expect(Date.now() - readStarted).toBeLessThan(10_000);
    } finally {
      s3.resume();
    }
    expect((await upload(b.url, await png(122, 80), 'after-outage.png')).status).toBe(200);
  }, 60_000);
});

let cachedGuestKey: string | null = null;
async function guestKey(): Promise<string> {
  cachedGuestKey ??= (await pg.query("SELECT value FROM settings WHERE key = 'guest_key'")).trim();
  return cachedGuestKey;
}
