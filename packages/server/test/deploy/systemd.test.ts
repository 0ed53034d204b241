import { describe, expect, test } from 'bun:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { runCommand } from '../support/process.ts';
import { deployFile, parseEnvFile, REPO } from './files.ts';

/** The [Service] section's settings; repeated keys keep every value. */
function serviceSection(unit: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1] ?? '';
      continue;
    }
    if (section !== 'Service') continue;
    const at = line.indexOf('=');
    const key = line.slice(0, at);
    settings.set(key, [...(settings.get(key) ?? []), line.slice(at + 1)]);
  }
  return settings;
}

const unit = deployFile('upshot.service');
const service = serviceSection(unit);
const one = (key: string): string => {
  const values = service.get(key) ?? [];
  expect({ key, count: values.length }).toEqual({ key, count: 1 });
  return values[0] ?? '';
};

describe('deploy/upshot.service', () => {
  test('systemd-analyze verify accepts it, without a single warning', async () => {
    const verify = Bun.which('systemd-analyze');
    // Where systemd's tools are missing, the checks below still run.
    if (!verify) return;
    const dir = await mkdtemp(join(tmpdir(), 'upshot-unit-'));
    try {
      // verify insists that ExecStart's binary exists: point it at this Bun.
      const file = join(dir, 'upshot.service');
      await writeFile(file, unit.replace('/usr/local/bin/bun ', `${process.execPath} `));
      const result = await runCommand([verify, 'verify', file]);
      expect({ exit: result.exitCode, output: `${result.stdout}${result.stderr}` }).toEqual({
        exit: 0,
        output: '',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('runs the server as `bun run start` does, as its own user, with the settings file', async () => {
    const start = (await Bun.file(join(REPO, 'package.json')).json()).scripts.start as string;
    expect(start).toBe('bun packages/server/src/index.ts');
    expect(one('ExecStart')).toBe('/usr/local/bin/bun --no-env-file packages/server/src/index.ts');
    expect(one('User')).toBe('upshot');
    expect(one('EnvironmentFile')).toBe('/etc/upshot/upshot.env');
    expect(one('WorkingDirectory')).toBe('/opt/upshot');
    expect(one('Restart')).toBe('on-failure');
  });

  test('stops with SIGTERM and waits longer than the drain deadline', () => {
    expect(one('KillSignal')).toBe('SIGTERM');
    const example = parseEnvFile(deployFile('upshot.env.example'));
    const drainS = loadConfig(example).shutdownTimeoutMs / 1000;
    expect(drainS).toBe(loadConfig({}).shutdownTimeoutMs / 1000);
    // The drain, its 2 s grace for aborted requests, and closing the database.
    expect(Number.parseInt(one('TimeoutStopSec'), 10)).toBeGreaterThanOrEqual(drainS + 10);
  });

  test('only the data folder is writable, and the usual hardening is on', () => {
    const env = Object.fromEntries(
      (service.get('Environment') ?? []).map((pair) => pair.split('=', 2) as [string, string]),
    );
    const example = parseEnvFile(deployFile('upshot.env.example'));
    const dataDir = example.UPSHOT_DATA_DIR ?? env.UPSHOT_DATA_DIR;
    expect(dataDir).toBe('/var/lib/upshot');
    expect(env.UPSHOT_DATA_DIR).toBe(dataDir);
    expect(one('ReadWritePaths')).toBe(dataDir ?? '');
    expect(one('StateDirectory')).toBe('upshot');
    for (const [key, value] of Object.entries({
      ProtectSystem: 'strict',
      NoNewPrivileges: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectHome: 'yes',
      RestrictSUIDSGID: 'yes',
      CapabilityBoundingSet: '',
    })) {
      expect({ key, value: one(key) }).toEqual({ key, value });
    }
    // JavaScriptCore's JIT needs writable and executable memory.
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
  });

  test('the example settings file passes the configuration checks', () => {
    const config = loadConfig(parseEnvFile(deployFile('upshot.env.example')));
    expect(config.host).toBe('127.0.0.1');
    expect(config.trustProxy).not.toBe(false);
  });
});
