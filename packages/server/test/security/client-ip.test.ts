import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { parseTrustProxy, resolveClientIp, type TrustProxy } from '../../src/http/client-ip.ts';
import { file, png } from '../helpers/images.ts';
import { startTestServer } from '../helpers/server.ts';

const policy = (value: string): TrustProxy => {
  const parsed = parseTrustProxy(value);
  if (!parsed) throw new Error(`not a policy: ${value}`);
  return parsed;
};

describe('resolveClientIp', () => {
  // The client forges the left part; each proxy appends the address it saw.
  const FORGED = '6.6.6.6, 7.7.7.7';

  test('false: the socket peer, whatever the header says', () => {
    expect(resolveClientIp('203.0.113.5', FORGED, policy('false'))).toBe('203.0.113.5');
    expect(resolveClientIp('::ffff:203.0.113.5', null, policy('false'))).toBe('203.0.113.5');
  });

  test('one hop: the entry the one proxy appended, not the forged ones', () => {
    const hops = policy('1');
    expect(resolveClientIp('10.0.0.2', `${FORGED}, 198.51.100.7`, hops)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.2', '198.51.100.7', hops)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.2', null, hops)).toBe('10.0.0.2');
  });

  test('two hops: the entry appended by the outer of two proxies', () => {
    const hops = policy('2');
    expect(resolveClientIp('10.0.0.2', `${FORGED}, 198.51.100.7, 10.0.0.9`, hops)).toBe(
      '198.51.100.7',
    );
    // Fewer entries than hops: the left-most there is.
    expect(resolveClientIp('10.0.0.2', '198.51.100.7', hops)).toBe('198.51.100.7');
  });

  test('a list: the right-most address that is not a trusted proxy', () => {
    const list = policy('127.0.0.1, 10.0.0.0/8, ::1');
    expect(resolveClientIp('127.0.0.1', `${FORGED}, 198.51.100.7, 10.1.2.3`, list)).toBe(
      '198.51.100.7',
    );
    // A forged entry from a trusted range on the far left does not help: the walk stops before.
    expect(resolveClientIp('127.0.0.1', '10.9.9.9, 198.51.100.7', list)).toBe('198.51.100.7');
    // A peer that is not a trusted proxy is the client; its header is not read.
    expect(resolveClientIp('198.51.100.8', FORGED, list)).toBe('198.51.100.8');
    // IPv6 peer, IPv4-mapped peer and entries.
    expect(resolveClientIp('::1', '2001:db8::7', list)).toBe('2001:db8::7');
    expect(resolveClientIp('::ffff:127.0.0.1', '::ffff:198.51.100.7', list)).toBe('198.51.100.7');
    // Every hop trusted: the left-most.
    expect(resolveClientIp('127.0.0.1', '10.0.0.7, 10.0.0.8', list)).toBe('10.0.0.7');
  });

  test('the names loopback, linklocal and uniquelocal', () => {
    const named = policy('loopback,uniquelocal');
    expect(resolveClientIp('127.0.0.1', '198.51.100.7, 192.168.1.1, fd00::1', named)).toBe(
      '198.51.100.7',
    );
    expect(resolveClientIp('169.254.1.1', '198.51.100.7', named)).toBe('169.254.1.1');
    expect(resolveClientIp('169.254.1.1', '198.51.100.7', policy('linklocal'))).toBe(
      '198.51.100.7',
    );
  });

  test('true: the left-most entry (compatibility; the client writes it)', () => {
    expect(resolveClientIp('10.0.0.2', `${FORGED}, 198.51.100.7`, policy('true'))).toBe('6.6.6.6');
  });

  test('an entry that is not an address ends the walk at the hop that passed it on', () => {
    expect(resolveClientIp('127.0.0.1', 'junk, 198.51.100.7', policy('loopback'))).toBe(
      '198.51.100.7',
    );
    expect(resolveClientIp('127.0.0.1', '198.51.100.7, <script>', policy('loopback'))).toBe(
      '127.0.0.1',
    );
    expect(resolveClientIp('127.0.0.1', '1, 0x7f.1', policy('true'))).toBe('127.0.0.1');
  });

  test('no peer: unknown', () => {
    expect(resolveClientIp(null, FORGED, policy('true'))).toBeNull();
  });
});

describe('UPSHOT_TRUST_PROXY', () => {
  test('reads false, true, hop counts and lists', () => {
    expect(loadConfig({}).trustProxy).toEqual({ kind: 'none' });
    expect(loadConfig({ UPSHOT_TRUST_PROXY: 'false' }).trustProxy).toEqual({ kind: 'none' });
    expect(loadConfig({ UPSHOT_TRUST_PROXY: '0' }).trustProxy).toEqual({ kind: 'none' });
    expect(loadConfig({ UPSHOT_TRUST_PROXY: 'true' }).trustProxy).toEqual({ kind: 'all' });
    expect(loadConfig({ UPSHOT_TRUST_PROXY: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    const list = loadConfig({ UPSHOT_TRUST_PROXY: '127.0.0.1,10.0.0.0/8,::1,loopback' }).trustProxy;
    expect(list.kind).toBe('ranges');
    expect(list.kind === 'ranges' && list.ranges.length).toBe(5);
    expect(parseTrustProxy('::ffff:10.0.0.0/104')).not.toBeNull();
  });

  test('a bad value stops the start with a message naming it', () => {
    for (const value of [
      'maybe',
      '10.0.0.0/33',
      '10.0.0.1,',
      'localhost',
      '-1',
      '1.5',
      '::1/129',
      '10.0.0.0/8/8',
    ]) {
      expect(() => loadConfig({ UPSHOT_TRUST_PROXY: value })).toThrow(ConfigError);
      expect(() => loadConfig({ UPSHOT_TRUST_PROXY: value })).toThrow(
        /^UPSHOT_TRUST_PROXY=".*" is not valid: expected false, true, a number of proxies/,
      );
    }
  });
});

describe('behind one proxy (HTTP)', () => {
  test.each(['1', 'loopback'])(
    'UPSHOT_TRUST_PROXY=%s: a guest upload is recorded from the address the proxy appended, not a forged one',
    async (setting) => {
      const server = await startTestServer({ UPSHOT_TRUST_PROXY: setting });
      const db = new Database(join(server.dataDir, 'upshot.sqlite'), { readonly: true });
      try {
        const res = await server.upload(
          { source: file(await png(19, 7), 'proxied.png', 'image/png') },
          { key: server.guestKey, headers: { 'X-Forwarded-For': '6.6.6.6, 198.51.100.7' } },
        );
        expect(res.status).toBe(200);
        const row = db.query('SELECT uploader_ip FROM images').get() as { uploader_ip: string };
        expect(row.uploader_ip).toBe('198.51.100.7');
      } finally {
        db.close();
        await server.stop();
      }
    },
  );
});
