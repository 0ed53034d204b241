// Every repository, run against SQLite (a real file) and a real PostgreSQL: the same code
// on both dialects gives the same answers (db/database.ts).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openPostgres, openSqlite } from '../../src/db/database.ts';
import { createRepositories, type Repositories } from '../../src/db/repositories/index.ts';
import type { NewImageRow } from '../../src/db/schema/index.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';

const dialects: Array<{
  name: string;
  open: () => Promise<{ database: Database; close(): Promise<void> }>;
}> = [
  {
    name: 'SQLite',
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'upshot-repo-'));
      const database = await openSqlite(join(dir, 'upshot.sqlite'));
      return {
        database,
        close: async () => {
          await database.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const name = `repo_${crypto.randomUUID().replaceAll('-', '')}`;
      await pg.query(`CREATE DATABASE ${name}`);
      const database = await openPostgres(pg.url.replace(/\/upshot$/, `/${name}`));
      return { database, close: () => database.close() };
    },
  },
];

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(() => pg.stop());

const T0 = new Date('2026-06-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function pendingImage(overrides: Partial<NewImageRow> = {}): NewImageRow {
  return {
    userId: null,
    type: 'image',
    status: 'pending',
    uploadInstance: 'instance-a',
    flightKey: null,
    datePath: '2026/06/01',
    name: 'photo',
    extension: 'png',
    mime: 'image/png',
    size: 0,
    width: 0,
    height: 0,
    originalFilename: 'photo.png',
    title: '',
    md5: '',
    uploadMd5: 'md5-a',
    thumbExtension: 'png',
    mediumExtension: 'png',
    createdAt: T0,
    ...overrides,
  };
}

const published = {
  type: 'image' as const,
  extension: 'png',
  mime: 'image/png',
  size: 1234,
  width: 640,
  height: 480,
  originalFilename: 'photo.png',
  title: 'A photo',
  md5: 'stored-md5',
  uploadMd5: 'md5-a',
  tags: ['one', 'two'],
  thumbExtension: 'png',
  thumbMime: 'image/png',
  thumbSize: 99,
};

for (const dialect of dialects) {
  describe(`repositories on ${dialect.name}`, () => {
    let repos: Repositories;
    let close: () => Promise<void>;
    let adminId: number;
    beforeAll(async () => {
      const opened = await dialect.open();
      close = opened.close;
      repos = createRepositories(opened.database);
      adminId = (
        await repos.users.createWithKey({
          username: 'admin',
          isAdmin: true,
          keyHash: 'admin-key-hash',
          keyLabel: 'first',
          now: T0,
        })
      ).id;
    }, 60_000);
    afterAll(() => close());

    test('a pending row is invisible until published, then live with its values and token', async () => {
      const claim = await repos.images.claim(pendingImage({ userId: adminId, flightKey: 'f1' }));
      if (!('claimed' in claim)) throw new Error('not claimed');
      const id = claim.claimed.id;
      expect(await repos.images.findLive(id, T0)).toBeNull();
      expect(
        await repos.images.findDuplicate({
          userId: adminId,
          uploadMd5: 'md5-a',
          requestedWidth: null,
          now: T0,
        }),
      ).toBeNull();
      expect(await repos.images.isInFlight('f1')).toBe(true);
      const row = await repos.images.publish(id, { ...published, userId: adminId }, 'token-hash-1');
      expect({
        status: row.status,
        flightKey: row.flightKey,
        tags: row.tags,
        createdAt: row.createdAt,
        size: row.size,
        nsfw: row.nsfw,
      }).toEqual({
        status: 'live',
        flightKey: null,
        tags: ['one', 'two'],
        createdAt: T0,
        size: 1234,
        nsfw: false,
      });
      expect((await repos.images.findLive(id, T0))?.id).toBe(id);
      expect(await repos.images.isInFlight('f1')).toBe(false);
      expect(await repos.images.hasDeleteToken(id, 'token-hash-1')).toBe(true);
      expect(await repos.images.hasDeleteToken(id, 'other')).toBe(false);
      expect(
        (
          await repos.images.findDuplicate({
            userId: adminId,
            uploadMd5: 'md5-a',
            requestedWidth: null,
            now: T0,
          })
        )?.id,
      ).toBe(id);
      expect(
        await repos.images.findDuplicate({
          userId: adminId,
          uploadMd5: 'md5-a',
          requestedWidth: 300,
          now: T0,
        }),
      ).toBeNull();
    });

    test('a duplicate is found for its width, and only until it expires', async () => {
      // Expiries after the next-expiry test's ten minutes, so that test still sees its own.
      const publish = async (name: string, requestedWidth: number | null, expiresAt: Date) => {
        const values = { userId: adminId, uploadMd5: 'md5-expiring', requestedWidth, expiresAt };
        const claim = await repos.images.claim(pendingImage({ ...values, name }));
        if (!('claimed' in claim)) throw new Error('not claimed');
        return repos.images.publish(claim.claimed.id, { ...published, ...values }, `t-${name}`);
      };
      const whole = await publish('expiring-whole', null, at(20 * 60_000));
      const narrow = await publish('expiring-narrow', 200, at(30 * 60_000));
      const lookup = (requestedWidth: number | null, now: Date) =>
        repos.images.findDuplicate({
          userId: adminId,
          uploadMd5: 'md5-expiring',
          requestedWidth,
          now,
        });
      expect((await lookup(null, at(20 * 60_000 - 1)))?.id).toBe(whole.id);
      expect((await lookup(200, at(20 * 60_000 - 1)))?.id).toBe(narrow.id);
      expect(await lookup(300, at(20 * 60_000 - 1))).toBeNull();
      // The clock passed the first expiry: that one is gone, the other is still there.
      expect(await lookup(null, at(20 * 60_000))).toBeNull();
      expect((await lookup(200, at(30 * 60_000 - 1)))?.id).toBe(narrow.id);
      expect(await lookup(200, at(30 * 60_000 + 1))).toBeNull();
    });

    test('names and flights are claimed once: a second claim tells which it lost', async () => {
      const first = await repos.images.claim(pendingImage({ name: 'same', flightKey: 'f-same' }));
      expect('claimed' in first).toBe(true);
      expect(await repos.images.claim(pendingImage({ name: 'same' }))).toEqual({
        conflict: 'name',
      });
      expect(
        await repos.images.claim(pendingImage({ name: 'other', flightKey: 'f-same' })),
      ).toEqual({
        conflict: 'flight',
      });
      expect(await repos.images.isNameFree('2026/06/01', 'same')).toBe(false);
      expect(await repos.images.isNameFree('2026/06/01', 'free-name')).toBe(true);
    });

    test('removing a row queues its files in the same step; a published name stays taken for good', async () => {
      const claim = await repos.images.claim(pendingImage({ name: 'to-remove' }));
      if (!('claimed' in claim)) throw new Error('not claimed');
      const row = await repos.images.publish(claim.claimed.id, published, 'token-remove');
      expect(await repos.images.remove(row, ['images/2026/06/01/to-remove.png'], T0)).toBe(true);
      expect(await repos.images.remove(row, ['x'], T0)).toBe(false);
      expect(await repos.images.find(row.id)).toBeNull();
      expect(await repos.images.isNameFree('2026/06/01', 'to-remove')).toBe(false);
      const due = await repos.system.dueDeletions(T0, 100);
      const queued = due.find((item) => item.nameKey === 'images/2026/06/01/to-remove');
      expect(queued?.keys).toEqual(['images/2026/06/01/to-remove.png']);
      expect(await repos.system.queuedDeletionKeys()).toContain('images/2026/06/01/to-remove.png');
      await repos.system.postponeDeletion(queued!.id, 1, at(60_000));
      expect(
        (await repos.system.dueDeletions(T0, 100)).some((item) => item.id === queued!.id),
      ).toBe(false);
      expect(
        (await repos.system.dueDeletions(at(60_000), 100)).some((item) => item.id === queued!.id),
      ).toBe(true);
      await repos.system.completeDeletions([queued!.id]);
      // Published, its URL may be cached anywhere: the name is never handed out again.
      expect(await repos.images.isNameFree('2026/06/01', 'to-remove')).toBe(false);
    });

    test('a name only ever claimed by an upload that never finished is free once its files go', async () => {
      const claim = await repos.images.claim(pendingImage({ name: 'never-published' }));
      if (!('claimed' in claim)) throw new Error('not claimed');
      expect(await repos.images.isNameFree('2026/06/01', 'never-published')).toBe(false);
      expect(
        await repos.images.remove(claim.claimed, ['images/2026/06/01/never-published.png'], T0),
      ).toBe(true);
      expect(await repos.images.isNameFree('2026/06/01', 'never-published')).toBe(false);
      const queued = (await repos.system.dueDeletions(T0, 100)).find(
        (item) => item.nameKey === 'images/2026/06/01/never-published',
      );
      await repos.system.completeDeletions([queued!.id]);
      expect(await repos.images.isNameFree('2026/06/01', 'never-published')).toBe(true);
    });

    test('expiry: live until it passes, listed expired after, and the next expiry ahead', async () => {
      const claim = await repos.images.claim(
        pendingImage({ name: 'expiring', expiresAt: at(10 * 60_000) }),
      );
      if (!('claimed' in claim)) throw new Error('not claimed');
      const row = await repos.images.publish(
        claim.claimed.id,
        { ...published, expiresAt: at(10 * 60_000) },
        'token-expiring',
      );
      expect((await repos.images.findLive(row.id, at(9 * 60_000)))?.id).toBe(row.id);
      expect(await repos.images.findLive(row.id, at(10 * 60_000))).toBeNull();
      expect((await repos.images.nextExpiry(T0))?.getTime()).toBe(at(10 * 60_000).getTime());
      expect((await repos.images.listExpired(at(11 * 60_000), 10)).map((r) => r.id)).toContain(
        row.id,
      );
      expect((await repos.images.listExpired(T0, 10)).map((r) => r.id)).not.toContain(row.id);
    });

    test('pending rows are listed by instance and by the instances that are not alive', async () => {
      await repos.images.claim(pendingImage({ name: 'of-b', uploadInstance: 'instance-b' }));
      const ofB = await repos.images.listPending({ instance: 'instance-b' });
      expect(ofB.map((row) => row.name)).toEqual(['of-b']);
      const notA = await repos.images.listPending({ notIn: ['instance-a'] });
      expect(notA.map((row) => row.name)).toEqual(['of-b']);
    });

    test('counters: taken atomically, in parallel; a window starts at the first take', async () => {
      const takes = await Promise.all(
        Array.from({ length: 20 }, () => repos.counters.take('subject', 60, at(1_000))),
      );
      expect(takes.map((t) => t.count).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      expect(new Set(takes.map((t) => t.resetAt.getTime()))).toEqual(
        new Set([at(61_000).getTime()]),
      );
      await repos.counters.refund('subject', 60, at(2_000));
      expect((await repos.counters.take('subject', 60, at(3_000))).count).toBe(20);
      // The window ends 60 s after the first take; then a new one starts at 1.
      expect((await repos.counters.take('subject', 60, at(61_000))).count).toBe(1);
      await repos.counters.prune(at(200_000));
      expect((await repos.counters.take('subject', 60, at(200_000))).count).toBe(1);
    });

    test('leases: one holder at a time, taken over once expired', async () => {
      expect(await repos.system.acquireLease('job', 'a', 1_000, T0)).toBe(true);
      expect(await repos.system.acquireLease('job', 'b', 1_000, at(500))).toBe(false);
      expect(await repos.system.acquireLease('job', 'a', 1_000, at(500))).toBe(true);
      expect(await repos.system.isLeaseHeld('job', at(1_000))).toBe(true);
      expect(await repos.system.acquireLease('job', 'b', 1_000, at(1_600))).toBe(true);
      await repos.system.releaseLease('job', 'a');
      expect(await repos.system.isLeaseHeld('job', at(1_700))).toBe(true);
      await repos.system.releaseLease('job', 'b');
      expect(await repos.system.isLeaseHeld('job', at(1_700))).toBe(false);
    });

    test('instances register, beat and are removed', async () => {
      await repos.system.registerInstance({ id: 'i-1', host: 'h', pid: 1, now: T0 });
      await repos.system.heartbeat('i-1', at(5_000));
      const [found] = (await repos.system.listInstances()).filter((i) => i.id === 'i-1');
      expect(found?.heartbeatAt.getTime()).toBe(at(5_000).getTime());
      expect((await repos.system.staleInstances(at(4_000))).some((i) => i.id === 'i-1')).toBe(
        false,
      );
      expect((await repos.system.staleInstances(at(6_000))).some((i) => i.id === 'i-1')).toBe(true);
      await repos.system.removeInstances(['i-1']);
      expect((await repos.system.listInstances()).some((i) => i.id === 'i-1')).toBe(false);
    });

    test('users: sign-in names without case, sessions with their user, keys by hash', async () => {
      const user = await repos.users.create({
        username: 'Mixed',
        email: 'Mixed@Example.com',
        passwordHash: 'argon',
        now: T0,
      });
      expect((await repos.users.findByLogin('mixed'))?.id).toBe(user.id);
      expect((await repos.users.findByLogin('mixed@example.COM'))?.id).toBe(user.id);
      expect(await repos.users.isEmailTaken('MIXED@example.com')).toBe(true);
      const session = await repos.users.createSession({
        tokenHash: 'session-hash',
        userId: user.id,
        now: T0,
        expiresAt: at(60_000),
      });
      expect((await repos.users.findSession('session-hash', T0))?.user?.username).toBe('Mixed');
      expect(await repos.users.findSession('session-hash', at(60_000))).toBeNull();
      const guest = await repos.users.ensureGuestSession({
        tokenHash: 'guest-hash',
        now: T0,
        expiresAt: at(60_000),
      });
      expect(
        (
          await repos.users.ensureGuestSession({
            tokenHash: 'guest-hash',
            now: T0,
            expiresAt: at(60_000),
          })
        ).id,
      ).toBe(guest.id);
      await repos.users.deleteOtherSessions(user.id, session.id);
      expect((await repos.users.findSession('session-hash', T0))?.session.id).toBe(session.id);
      const key = await repos.keys.add(user.id, 'laptop', 'key-hash', T0);
      expect((await repos.keys.find('key-hash'))?.user.id).toBe(user.id);
      await repos.keys.touch(key.id, at(1_000));
      await repos.keys.touch(key.id, at(2_000));
      expect((await repos.keys.list(user.id))[0]?.lastUsedAt?.getTime()).toBe(at(1_000).getTime());
      expect(await repos.keys.revoke(key.id, user.id, at(3_000))).toBe(true);
      expect(await repos.keys.find('key-hash')).toBeNull();
      expect(await repos.keys.revoke(key.id, user.id, at(3_000))).toBe(false);
    });

    test('albums list their live image count and newest image', async () => {
      const owner = await repos.users.create({
        username: 'albumist',
        email: null,
        passwordHash: 'x',
        now: T0,
      });
      const album = await repos.albums.create({
        userId: owner.id,
        name: 'Trip',
        privacy: 'unlisted',
        now: T0,
      });
      const empty = await repos.albums.create({ userId: owner.id, name: 'Empty', now: at(1) });
      const ids: number[] = [];
      for (const name of ['t1', 't2', 't3']) {
        const claim = await repos.images.claim(pendingImage({ name, userId: owner.id }));
        if (!('claimed' in claim)) throw new Error('not claimed');
        ids.push(
          (
            await repos.images.publish(
              claim.claimed.id,
              { ...published, userId: owner.id },
              `tok-${name}`,
            )
          ).id,
        );
      }
      expect(await repos.images.move(owner.id, ids, album.id)).toBe(3);
      const listed = await repos.albums.listOf(owner.id, T0);
      expect(
        listed.map(({ album: a, count, coverId }) => ({ name: a.name, count, coverId })),
      ).toEqual([
        { name: 'Empty', count: 0, coverId: null },
        { name: 'Trip', count: 3, coverId: Math.max(...ids) },
      ]);
      expect((await repos.images.listAlbumImages(album.id, T0)).map((r) => r.id)).toEqual(
        [...ids].reverse(),
      );
      expect(
        await repos.albums.update(album.id, owner.id, {
          name: 'Trip 2',
          description: null,
          privacy: 'private',
        }),
      ).toBe(true);
      expect(
        await repos.albums.update(album.id, adminId, {
          name: 'Stolen',
          description: null,
          privacy: 'public',
        }),
      ).toBe(false);
      expect(await repos.albums.remove(empty.id, owner.id)).toBe(true);
      const category = await repos.albums.createCategory('Screens', 'screens');
      expect((await repos.albums.findCategoryByUrlKey('screens'))?.id).toBe(category.id);
      expect(await repos.albums.removeCategory(category.id)).toBe(true);
    });

    test('guest uploads tracked in a session are claimed by the user who signs in', async () => {
      const session = await repos.users.ensureGuestSession({
        tokenHash: 'claim-hash',
        now: T0,
        expiresAt: at(60_000),
      });
      const claim = await repos.images.claim(
        pendingImage({ name: 'guest-made', expiresAt: at(86_400_000) }),
      );
      if (!('claimed' in claim)) throw new Error('not claimed');
      const row = await repos.images.publish(
        claim.claimed.id,
        { ...published, expiresAt: at(86_400_000) },
        'tok-guest',
      );
      await repos.images.trackSessionImage(session.id, row.id);
      await repos.images.trackSessionImage(session.id, row.id);
      expect(await repos.images.claimSessionImages(session.id, adminId)).toBe(1);
      const after = await repos.images.find(row.id);
      expect({ user: after?.userId, expires: after?.expiresAt }).toEqual({
        user: adminId,
        expires: null,
      });
    });

    test('settings are drawn once and kept', async () => {
      expect(await repos.settings.ensure('salt', 'first')).toBe('first');
      expect(await repos.settings.ensure('salt', 'second')).toBe('first');
      await repos.settings.set('salt', 'third');
      expect(await repos.settings.get('salt')).toBe('third');
      expect(await repos.settings.get('missing')).toBeNull();
    });
  });
}
