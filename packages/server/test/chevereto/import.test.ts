// Moving from Chevereto (README): a Chevereto site in a real MariaDB is imported while
// Upshot runs, then every old URL, password, API key and delete link is tried on the
// real server; a second run changes nothing. On SQLite with local files, and on
// PostgreSQL with a bucket (s3rver, a FAKE S3 server).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent } from '../accounts/agent.ts';
import { png } from '../helpers/images.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startMariaDb, type TestMariaDb } from '../support/mariadb.ts';
import { startPostgres } from '../support/postgres.ts';
import { startS3rver } from '../support/s3rver.ts';
import {
  type CheveretoFixture,
  createCheveretoFixture,
  type FixtureImage,
  PADDING,
  SALT,
} from './fixture.ts';

const ADMIN = join(import.meta.dir, '..', '..', 'src', 'admin', 'main.ts');
const IDS = { UPSHOT_ID_SALT: SALT, UPSHOT_ID_PADDING: String(PADDING) };
const md5 = (bytes: ArrayBuffer) => createHash('md5').update(new Uint8Array(bytes)).digest('hex');

let db: TestMariaDb;
let root: string;
let fx: CheveretoFixture;

beforeAll(async () => {
  db = await startMariaDb();
  root = await mkdtemp(join(tmpdir(), 'upshot-chevereto-'));
  fx = await createCheveretoFixture(db, root);
}, 180_000);

afterAll(async () => {
  await db?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function importCli(env: Record<string, string>, args: string[] = []) {
  const proc = Bun.spawn(
    ['bun', ADMIN, 'import-chevereto', '--db', db.url, '--images', fx.imagesDir, ...args],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdout: 'pipe', stderr: 'pipe' },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Every row Upshot keeps about the site, to tell that a run changed nothing. */
async function snapshot(server: TestServer) {
  const { database } = server.upshot;
  const t = database.tables;
  const all = async (table: (typeof t)[keyof typeof t]) =>
    JSON.stringify(await database.run((d) => d.select().from(table as never)));
  const files: string[] = [];
  for await (const object of server.upshot.storage.list('images/')) {
    files.push(`${object.key}:${object.size}`);
  }
  return {
    users: await all(t.users),
    keys: await all(t.apiKeys),
    albums: await all(t.albums),
    categories: await all(t.categories),
    images: await all(t.images),
    ledger: await all(t.cheveretoImports),
    files: files.sort(),
  };
}

/** GET, following redirects; the status and the body's md5. */
async function bytesAt(url: string, cookie?: string) {
  const res = await fetch(url, cookie ? { headers: { Cookie: cookie } } : {});
  return { status: res.status, md5: md5(await res.arrayBuffer()), redirected: res.redirected };
}

async function signIn(server: TestServer, login: string, password: string) {
  const agent = createAgent(server.url);
  await agent.get('/signin');
  const { res } = await agent.post('/signin', { login, password });
  const cookie = [...agent.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  return { status: res.status, location: res.headers.get('location'), cookie };
}

async function scenario(env: Record<string, string>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'upshot-imported-'));
  // Upshot runs first (with Chevereto's salt and padding); the import runs beside it.
  const server = await startTestServer({ ...env, ...IDS }, { dataDir });
  const cli = { UPSHOT_DATA_DIR: dataDir, ...env };
  try {
    // ----- refused until the ids match, saying which values to set -----
    const wrongIds: Array<Record<string, string>> = [{}, { UPSHOT_ID_SALT: SALT }];
    for (const wrong of wrongIds) {
      const refused = await importCli({ ...cli, ...wrong });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`UPSHOT_ID_SALT=${SALT}`);
      expect(refused.stderr).toContain(`UPSHOT_ID_PADDING=${PADDING}`);
    }

    // ----- a dry run reports and writes nothing -----
    const empty = await snapshot(server);
    const dry = await importCli({ ...cli, ...IDS }, ['--dry-run']);
    expect({ code: dry.code, stderr: dry.stderr }).toEqual({ code: 0, stderr: '' });
    expect(dry.stdout).toContain('DRY RUN, nothing was written');
    expect(dry.stdout).toContain('images     9 would be imported, 0 already there, 4 skipped');
    expect(dry.stdout).toContain('users      3 would be imported');
    expect(await snapshot(server)).toEqual(empty);

    // ----- the import -----
    const first = await importCli({ ...cli, ...IDS });
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const out = first.stdout;
    expect(out).toContain('users      3 imported, 0 already there, 0 skipped');
    expect(out).toContain('categories 1 imported, 0 already there, 0 skipped');
    expect(out).toContain('albums     6 imported, 0 already there, 1 skipped');
    expect(out).toContain('keys       1 imported, 0 already there, 0 skipped');
    expect(out).toContain('images     9 imported, 0 already there, 4 skipped');
    expect(out).toMatch(/Time: \d+\.\d s/);
    const skippedLine = (kind: string, id: number) =>
      out.split('\n').find((line) => line.startsWith(`  ${kind} ${id}: `)) ?? '';
    for (const image of fx.images.filter((i) => i.skip)) {
      expect(skippedLine('image', image.id)).toMatch(image.skip!);
    }
    for (const album of fx.albums) {
      if (album.skip) expect(skippedLine('album', album.id)).toMatch(album.skip);
      if (album.note) expect(skippedLine('album', album.id)).toMatch(album.note);
    }
    expect(out).toContain(`user 1: took over Upshot's account "admin"`);

    // ----- every old URL answers: the same bytes, or a redirect to them -----
    const alice = await signIn(server, 'alice@example.com', 'alice in chevereto');
    expect(alice.status).toBe(303);
    const bob = await signIn(server, 'bob', 'rasmuslerdorf');
    expect(bob.status).toBe(303);
    const cookieOf = (image: FixtureImage) =>
      image.ownerLogin === 'alice@example.com' ? alice.cookie : bob.cookie;
    for (const image of fx.images) {
      for (const file of image.files) {
        const anonymous = await bytesAt(server.url + file.path);
        if (image.skip || image.visibility === 'owner') {
          expect({ path: file.path, status: anonymous.status }).toEqual({
            path: file.path,
            status: 404,
          });
        } else {
          expect({ path: file.path, status: anonymous.status, md5: anonymous.md5 }).toEqual({
            path: file.path,
            status: 200,
            md5: file.md5,
          });
        }
        if (!image.skip && image.visibility === 'owner') {
          const owner = await bytesAt(server.url + file.path, cookieOf(image));
          expect({ path: file.path, status: owner.status, md5: owner.md5 }).toEqual({
            path: file.path,
            status: 200,
            md5: file.md5,
          });
        }
      }
      // Files Chevereto kept outside a date folder move to one, with a permanent redirect.
      if (!image.skip && !image.files[0]!.path.startsWith('/images/2021/')) {
        const res = await fetch(server.url + image.files[0]!.path, { redirect: 'manual' });
        expect(res.status).toBe(301);
        expect(res.headers.get('location')).toBe(
          `${server.url}/images/2021/03/04/${image.files[0]!.path.split('/').pop()}`,
        );
      }
      for (const path of image.viewer) {
        const res = await fetch(server.url + path);
        const expected = image.skip || image.visibility === 'owner' ? 404 : 200;
        expect({ path, status: res.status }).toEqual({ path, status: expected });
        if (expected === 200)
          expect(await res.text()).toContain(image.files[0]!.path.split('/').pop()!);
      }
    }
    for (const album of fx.albums) {
      for (const path of album.paths) {
        const res = await fetch(server.url + path);
        const expected = album.skip || album.visibility === 'owner' ? 404 : 200;
        expect({ path, status: res.status }).toEqual({ path, status: expected });
      }
      const tab = await fetch(`${server.url}/album/${album.encoded}/sub`, { redirect: 'manual' });
      expect(tab.status).toBe(301);
      expect(tab.headers.get('location')).toBe(`/album/${album.encoded}`);
    }

    // ----- old passwords sign in, and are stored again as argon2id -----
    const bobRow = await server.repos.users.findByLogin('bob');
    expect(bobRow?.passwordHash).toStartWith('$argon2id$');
    expect((await signIn(server, 'bob', 'rasmuslerdorf')).status).toBe(303);
    expect((await signIn(server, 'bob', 'not his password')).status).not.toBe(303);
    expect((await signIn(server, 'admin', 'admin password 1')).status).toBe(303);
    // Upshot's own admin key still works on the adopted account.
    expect((await server.upload({ source: new File([await png(20, 20)], 'a.png') })).status).toBe(
      200,
    );

    // ----- an old API key uploads (twice: found by its id, then by its hash) -----
    for (const round of [1, 2]) {
      const res = await server.upload(
        { source: new File([await png(30 + round, 30)], `k${round}.png`) },
        { key: fx.aliceKey },
      );
      expect({ round, status: res.status }).toEqual({ round, status: 200 });
      const body = await res.json();
      const row = await server.repos.images.find(fx.ids.decode(body.image.id_encoded)!);
      expect(row?.userId).toBe((await server.repos.users.findByLogin('alice'))!.id);
    }
    const forged = `${fx.aliceKey.slice(0, fx.aliceKey.lastIndexOf('_') + 1)}${'x'.repeat(128)}`;
    const refusedKey = await server.upload(
      { source: new File([await png(40, 40)], 'f.png') },
      { key: forged },
    );
    expect(refusedKey.status).not.toBe(200);

    // ----- an old delete link deletes (after its confirmation page) -----
    const guest = fx.images.find((image) => image.id === 2)!;
    const link = `${server.url}/image/${guest.encoded}/delete/${guest.deletePassword}`;
    expect(
      (await fetch(`${server.url}/image/${guest.encoded}/delete/${'y'.repeat(48)}`)).status,
    ).toBe(404);
    expect((await fetch(link)).status).toBe(200);
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    expect((await fetch(server.url + guest.files[0]!.path)).status).toBe(404);
    expect((await fetch(server.url + guest.viewer[1]!)).status).toBe(404);

    // ----- a second run imports nothing, changes nothing, and names the skipped rows -----
    // The deleted image's files go in the background: done now, so the snapshot is still.
    await server.upshot.sweepNow();
    const before = await snapshot(server);
    expect(before.files.some((file) => file.includes('guest-shot'))).toBe(false);
    const second = await importCli({ ...cli, ...IDS });
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(second.stdout).toContain('images     0 imported, 9 already there, 4 skipped');
    expect(second.stdout).toContain('users      0 imported, 3 already there, 0 skipped');
    expect(second.stdout).toContain('image 8: its file 2021/03/04/lost.jpg is missing');
    expect(await snapshot(server)).toEqual(before);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('import-chevereto', () => {
  test('SQLite and local files: every old URL, password, key and delete link works', async () => {
    await scenario({});
  }, 300_000);

  test('PostgreSQL and a bucket (s3rver): the same', async () => {
    const [pg, s3] = await Promise.all([startPostgres(), startS3rver()]);
    try {
      await scenario({
        UPSHOT_DATABASE_URL: pg.url,
        UPSHOT_STORAGE: 's3',
        UPSHOT_S3_ENDPOINT: s3.endpoint,
        UPSHOT_S3_BUCKET: s3.bucket,
        UPSHOT_S3_REGION: s3.region,
        UPSHOT_S3_ACCESS_KEY_ID: s3.accessKeyId,
        UPSHOT_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      });
    } finally {
      await Promise.all([pg.stop(), s3.stop()]);
    }
  }, 300_000);
});
