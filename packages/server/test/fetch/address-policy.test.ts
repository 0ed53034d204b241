import { describe, expect, test } from 'bun:test';
import { classifyAddress, isAllowedAddress } from '../../src/fetch/address-policy.ts';
import { isPublicAddress } from '../../src/fetch/safe-fetch.ts';

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.215.14',
  '2606:4700::1111',
  '2a00:1450:4001:80b::200e',
  '::ffff:8.8.8.8', // IPv4-mapped public
  '2002:808:808::1', // 6to4 of 8.8.8.8
  '64:ff9b::808:808', // NAT64 of 8.8.8.8
  '2001:0:808:808:0:0:f7f7:f7f7', // Teredo, server 8.8.8.8, client 8.8.8.8
];

const NOT_PUBLIC: [string, string][] = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['::1', 'IPv6 loopback'],
  ['10.0.0.1', 'private 10/8'],
  ['172.16.0.1', 'private 172.16/12'],
  ['172.31.255.255', 'private 172.16/12'],
  ['192.168.1.1', 'private 192.168/16'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456:789a::1', 'unique-local'],
  ['169.254.169.254', 'cloud metadata'],
  ['169.254.0.1', 'link-local'],
  ['fe80::1', 'IPv6 link-local'],
  ['fe80::1%eth0', 'IPv6 link-local with zone'],
  ['100.64.0.1', 'CGNAT'],
  ['100.127.255.255', 'CGNAT'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'this network 0/8'],
  ['::', 'IPv6 unspecified'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['ff02::1', 'IPv6 multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved 240/4'],
  ['192.0.0.1', 'IETF protocol assignments'],
  ['192.0.2.1', 'TEST-NET-1'],
  ['198.51.100.1', 'TEST-NET-2'],
  ['203.0.113.1', 'TEST-NET-3'],
  ['198.18.0.1', 'benchmarking'],
  ['2001:db8::1', 'IPv6 documentation'],
  ['fec0::1', 'deprecated site-local'],
  ['100::1', 'discard-only'],
  ['4000::1', 'unassigned IPv6'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['::8.8.8.8', 'IPv4-compatible (deprecated)'],
  ['2002:7f00:1::1', '6to4 of loopback'],
  ['2002:a9fe:a9fe::1', '6to4 of metadata'],
  ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
  ['2001:0:808:808:0:0:80ff:fffe', 'Teredo, client 127.0.0.1'],
  ['2001:0:a00:1:0:0:f7f7:f7f7', 'Teredo, server 10.0.0.1'],
  ['64:ff9b::7f00:1', 'NAT64 of loopback'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
  ['64:ff9b:1::808:808', 'local-use NAT64 prefix'],
  ['0x7f.1', 'hex shorthand loopback'],
  ['2130706433', 'decimal loopback'],
  ['0177.0.0.1', 'octal loopback'],
  ['localhost', 'not an address'],
  ['', 'empty'],
  ['999.1.1.1', 'invalid'],
];

describe('isPublicAddress', () => {
  test.each(PUBLIC)('%s is public', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });

  test.each(NOT_PUBLIC)('%s is not public (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });
});

describe('allowPrivate', () => {
  test('opens loopback and private networks, never link-local or special ranges', () => {
    const ips = [
      '127.0.0.1',
      '::1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.0.10',
      '100.100.1.1',
      'fd00::5',
      '::ffff:192.168.0.10',
      '169.254.169.254',
      'fe80::1',
      '0.0.0.0',
      '::',
      '224.0.0.1',
      '255.255.255.255',
      '192.0.2.1',
      '2002:7f00:1::1',
      '64:ff9b::7f00:1',
    ];
    expect(
      Object.fromEntries(
        ips.map((ip) => [ip, [isAllowedAddress(ip, false), isAllowedAddress(ip, true)]]),
      ),
    ).toEqual({
      '127.0.0.1': [false, true],
      '::1': [false, true],
      '10.1.2.3': [false, true],
      '172.20.0.1': [false, true],
      '192.168.0.10': [false, true],
      '100.100.1.1': [false, true],
      'fd00::5': [false, true],
      '::ffff:192.168.0.10': [false, true],
      '169.254.169.254': [false, false],
      'fe80::1': [false, false],
      '0.0.0.0': [false, false],
      '::': [false, false],
      '224.0.0.1': [false, false],
      '255.255.255.255': [false, false],
      '192.0.2.1': [false, false],
      '2002:7f00:1::1': [false, false],
      '64:ff9b::7f00:1': [false, false],
    });
  });

  test('classifies into public, private and forbidden', () => {
    expect(['8.8.8.8', '10.0.0.1', '169.254.169.254'].map(classifyAddress)).toEqual([
      'public',
      'private',
      'forbidden',
    ]);
  });
});

describe('cloud metadata addresses', () => {
  const METADATA = [
    '169.254.169.254',
    '169.254.170.2',
    '169.254.0.23',
    '100.100.100.200',
    '192.0.0.192',
    'fd00:ec2::254',
    'fd20:ce::254',
    // The same, written otherwise.
    '::ffff:100.100.100.200',
    '::ffff:6464:64c8',
    '::ffff:192.0.0.192',
    '::ffff:169.254.170.2',
    'FD00:EC2:0:0:0:0:0:254',
    'fd20:00ce::0254',
    '0x64.0x64.0x64.0xc8',
  ];

  test.each(METADATA)('%s is refused even when private networks are allowed', (ip) => {
    expect(classifyAddress(ip)).toBe('forbidden');
    expect(isAllowedAddress(ip, true)).toBe(false);
  });

  test('their neighbours in private ranges stay reachable when allowed', () => {
    for (const ip of ['100.100.100.201', 'fd00:ec2::253', 'fd20:ce::1', '::ffff:100.100.100.1']) {
      expect([ip, isAllowedAddress(ip, true)]).toEqual([ip, true]);
    }
  });
});
