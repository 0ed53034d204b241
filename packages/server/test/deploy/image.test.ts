import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config.ts';
import { freePort, runCommand, waitFor } from '../support/process.ts';
import { DEPLOY, deployFile, documentedInstall, parseEnvFile, REPO } from './files.ts';

interface Instruction {
  stage: string;
  keyword: string;
  args: string;
}

/** Dockerfile instructions with their stage, continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let stage = '';
  let pending = '';
  for (const raw of text.split('\n')) {
    if (pending === '' && (raw.trim() === '' || raw.trim().startsWith('#'))) continue;
    if (raw.endsWith('\\')) {
      pending += `${raw.slice(0, -1)} `;
      continue;
    }
    const line = `${pending}${raw}`.trim().replace(/\s+/g, ' ');
    pending = '';
    const at = line.indexOf(' ');
    const keyword = line.slice(0, at).toUpperCase();
    const args = line.slice(at + 1);
    if (keyword === 'FROM') stage = /\bAS (\S+)$/i.exec(args)?.[1] ?? 'final';
    instructions.push({ stage, keyword, args });
  }
  return instructions;
}

const dockerfile = parseDockerfile(deployFile('Dockerfile'));
const inStage = (stage: string, keyword?: string) =>
  dockerfile.filter((i) => i.stage === stage && (!keyword || i.keyword === keyword));
const final = (keyword: string) => inStage('final', keyword);
const execForm = (args: string): string[] => JSON.parse(args.replace(/^--\S+ /g, ''));

/** `ENV a=1 b=2` pairs of a stage. */
const envOf = (stage: string): Record<string, string> =>
  Object.fromEntries(
    inStage(stage, 'ENV').flatMap((i) =>
      i.args.split(' ').map((pair) => pair.split('=', 2) as [string, string]),
    ),
  );

/** The workspace folders of the root package.json (globs such as packages/* expanded). */
async function workspaces(): Promise<string[]> {
  const root = await Bun.file(join(REPO, 'package.json')).json();
  const patterns: string[] = root.workspaces.packages ?? root.workspaces;
  const folders: string[] = [];
  for (const pattern of patterns) {
    for await (const path of new Bun.Glob(`${pattern}/package.json`).scan({ cwd: REPO })) {
      folders.push(dirname(path));
    }
  }
  return folders.sort();
}

/** What deploy/Dockerfile.dockerignore leaves out: names anywhere, and file suffixes. */
interface Ignored {
  names: Set<string>;
  suffixes: string[];
}

function readDockerignore(): Ignored {
  const ignored: Ignored = { names: new Set(), suffixes: [] };
  for (const line of deployFile('Dockerfile.dockerignore').split('\n')) {
    const pattern = line.trim();
    if (pattern === '' || pattern.startsWith('#')) continue;
    // Only the forms this replay understands: a name (anywhere or at the root), or *.ext.
    const name = /^(?:\*\*\/)?([\w.-]+)$/.exec(pattern)?.[1];
    const suffix = /^(?:\*\*\/)?\*(\.\w+)$/.exec(pattern)?.[1];
    if (name) ignored.names.add(name);
    else if (suffix) ignored.suffixes.push(suffix);
    else throw new Error(`a .dockerignore pattern this test does not replay: ${pattern}`);
  }
  return ignored;
}

/** Copies like Docker's COPY: a file, or a folder's content, into `to`, minus the ignored. */
async function dockerCopy(from: string, to: string, ignored: Ignored): Promise<void> {
  await cp(from, to, {
    recursive: true,
    filter: (source) => {
      const segments = relative(REPO, source).split('/');
      return !(
        segments.some((segment) => ignored.names.has(segment)) ||
        ignored.suffixes.some((suffix) => source.endsWith(suffix))
      );
    },
  });
}

/** Runs a command with exactly this environment (as a container's health check does). */
async function exitCodeOf(argv: string[], cwd: string, env: Record<string, string>) {
  const proc = Bun.spawn(argv, { cwd, env, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

describe('deploy/Dockerfile', () => {
  test('is multi-stage on Bun of package.json’s packageManager, with Debian’s ffmpeg', async () => {
    const root = await Bun.file(join(REPO, 'package.json')).json();
    const bunVersion = /^bun@(.+)$/.exec(root.packageManager)?.[1];
    const froms = dockerfile.filter((i) => i.keyword === 'FROM').map((i) => i.args);
    expect(froms).toEqual([
      `oven/bun:${bunVersion} AS bun`,
      `oven/bun:${bunVersion} AS install`,
      'debian:bookworm-slim',
    ]);
    const apt = final('RUN').find((i) => i.args.includes('apt-get install'));
    expect(apt?.args).toMatch(/apt-get install -y --no-install-recommends ffmpeg\b/);
  });

  test('its install step is the documented production install, and only that', async () => {
    const command = documentedInstall();
    expect(command).toStartWith('bun install --production --frozen-lockfile');
    expect(inStage('install', 'RUN').map((i) => i.args)).toEqual([command]);
    // The lockfile matches only with every workspace's package.json present.
    const copied = inStage('install', 'COPY').flatMap((i) => {
      const parts = i.args.split(' ');
      const dest = parts.pop() ?? '';
      return parts.map((source) =>
        dest === './' ? source : join(dest, source.split('/').pop() ?? ''),
      );
    });
    const needed = ['package.json', 'bun.lock', 'bunfig.toml'];
    for (const folder of await workspaces()) needed.push(join(folder, 'package.json'));
    expect(copied.sort()).toEqual(needed.sort());
  });

  test('runs as a non-root user, keeps its data in /data, stops on SIGTERM, checks /healthz', () => {
    const user = final('USER').map((i) => i.args);
    expect(user).toEqual(['upshot']);
    const userAt = dockerfile.findIndex((i) => i.stage === 'final' && i.keyword === 'USER');
    const cmdAt = dockerfile.findIndex((i) => i.stage === 'final' && i.keyword === 'CMD');
    expect(userAt).toBeLessThan(cmdAt);
    expect(final('VOLUME').map((i) => i.args)).toEqual(['/data']);
    expect(envOf('final').UPSHOT_DATA_DIR).toBe('/data');
    expect(final('STOPSIGNAL').map((i) => i.args)).toEqual(['SIGTERM']);
    const health = final('HEALTHCHECK')[0]?.args ?? '';
    expect(health).toContain('/healthz');
    expect(loadConfig(envOf('final')).port).toBe(Number(final('EXPOSE')[0]?.args));
  });

  describe('replayed without Docker: install, copy, start, health check', () => {
    let app: string;
    let data: string;
    const ignored = readDockerignore();

    beforeAll(async () => {
      app = await mkdtemp(join(tmpdir(), 'upshot-image-app-'));
      data = await mkdtemp(join(tmpdir(), 'upshot-image-data-'));
    });
    afterAll(async () => {
      await rm(app, { recursive: true, force: true });
      await rm(data, { recursive: true, force: true });
    });

    test('the install stage installs, and the image it makes starts and reports healthy', async () => {
      // The install stage: its COPYs, then its one RUN.
      for (const copy of inStage('install', 'COPY')) {
        const parts = copy.args.split(' ');
        const dest = join(app, parts.pop() ?? '');
        await mkdir(dest, { recursive: true });
        for (const source of parts)
          await dockerCopy(join(REPO, source), join(dest, source.split('/').pop() ?? ''), ignored);
      }
      const [command] = inStage('install', 'RUN').map((i) => i.args.split(' '));
      expect(command?.[0]).toBe('bun');
      const install = await runCommand([process.execPath, ...(command ?? []).slice(1)], {
        cwd: app,
        timeoutMs: 300_000,
      });
      expect({ exit: install.exitCode, stderr: install.stderr }).toMatchObject({ exit: 0 });

      // The final stage: the install stage's /app, then the sources (no node_modules or tests).
      const copies = final('COPY');
      expect(copies[0]?.args).toBe('--from=bun /usr/local/bin/bun /usr/local/bin/bun');
      expect(copies[1]?.args).toBe('--from=install /app ./');
      for (const copy of copies.slice(2)) {
        const [source = '', dest = ''] = copy.args.split(' ');
        expect(existsSync(join(REPO, source))).toBe(true);
        await dockerCopy(join(REPO, source), join(app, dest), ignored);
      }
      expect(existsSync(join(app, 'packages/server/test'))).toBe(false);
      // The final stage's own Bun step: the production bundle, built at image build.
      const builds = final('RUN').filter((i) => i.args.startsWith('bun '));
      expect(builds.map((i) => i.args)).toEqual(['bun packages/server/src/bundle.ts']);
      for (const step of builds) {
        const built = await runCommand([process.execPath, ...step.args.split(' ').slice(1)], {
          cwd: app,
          timeoutMs: 120_000,
        });
        expect({ exit: built.exitCode, stderr: built.stderr }).toMatchObject({ exit: 0 });
      }
      expect((await readdir(join(app, 'node_modules'))).length).toBeGreaterThan(0);

      const port = await freePort();
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        ...envOf('final'),
        PORT: String(port),
        HOST: '127.0.0.1',
        UPSHOT_DATA_DIR: data,
      };
      const bun = (argv: string[]) => argv.map((arg) => (arg === 'bun' ? process.execPath : arg));
      const server = Bun.spawn(bun(execForm(final('CMD')[0]?.args ?? '[]')), {
        cwd: app,
        env,
        stdin: 'ignore',
        stdout: 'pipe',
        stderr: 'pipe',
      });
      try {
        const health = bun(execForm(final('HEALTHCHECK')[0]?.args.replace(/^.*?CMD /, '') ?? '[]'));
        await waitFor(async () => {
          if (server.exitCode !== null) {
            throw new Error(`the server exited: ${await new Response(server.stderr).text()}`);
          }
          return (await exitCodeOf(health, app, env)) === 0;
        }, 'the image’s health check to pass');
        // STOPSIGNAL: a drain, then exit 0.
        server.kill('SIGTERM');
        expect(await server.exited).toBe(0);
        // It ran the bundle built above: nothing built at start, no fallback to the sources.
        const printed = await new Response(server.stderr).text();
        expect(printed).not.toContain('building the production bundle');
        expect(printed).not.toContain('running from the sources');
        // The health check fails once the server is gone.
        expect(await exitCodeOf(health, app, env)).toBe(1);
      } finally {
        if (server.exitCode === null) server.kill('SIGKILL');
        await server.exited;
      }
    }, 360_000);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parseYaml(deployFile('compose.yaml'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
  };
  const dotenv = parseEnvFile(deployFile('compose.env.example'));

  /** Compose's interpolation: ${X}, ${X:-default}, ${X:?error}, and $$ for a literal $. */
  const interpolate = (value: string): string =>
    value
      .replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, rest?: string) => {
        const set = dotenv[name];
        if (set !== undefined && set !== '') return set;
        if (op === '?') throw new Error(`${name} is required: ${rest}`);
        return op === '-' ? (rest ?? '') : '';
      })
      .replaceAll('$$', '$');
  const environment = (service: string): Record<string, string> =>
    Object.fromEntries(
      Object.entries(compose.services[service]?.environment as Record<string, string>).map(
        ([key, value]) => [key, interpolate(String(value))],
      ),
    );

  test('has two Upshot instances, PostgreSQL, an S3 server with its bucket, and nginx', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'bucket',
      'minio',
      'nginx',
      'postgres',
      'upshot-1',
      'upshot-2',
    ]);
    for (const name of ['upshot-1', 'upshot-2']) {
      const service = compose.services[name] ?? {};
      expect(service.build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
      expect(existsSync(join(DEPLOY, '..', 'deploy/Dockerfile'))).toBe(true);
      expect(service.network_mode).toBe('service:nginx');
    }
  });

  test('every Upshot setting passes the configuration checks, on PostgreSQL and S3', () => {
    for (const name of ['upshot-1', 'upshot-2']) {
      const config = loadConfig(environment(name));
      expect(config.databaseUrl).toStartWith('postgres://');
      expect(config.storage).toBe('s3');
      expect(config.s3?.bucket).toBe('upshot');
      expect(config.publicFilesUrl).toBeUndefined();
      expect(config.logFormat).toBe('json');
    }
  });

  test('ports, names and credentials agree between the services and nginx.conf', () => {
    const upstreams = [
      ...deployFile('nginx.conf').matchAll(/^\s*server 127\.0\.0\.1:(\d+) /gm),
    ].map((m) => m[1]);
    expect(['upshot-1', 'upshot-2'].map((name) => environment(name).PORT)).toEqual(upstreams);
    const nginx = compose.services.nginx as { volumes: string[] };
    expect(nginx.volumes).toContain('./nginx.conf:/etc/nginx/conf.d/default.conf:ro');

    const upshot = environment('upshot-1');
    const postgres = environment('postgres');
    const database = new URL(upshot.UPSHOT_DATABASE_URL ?? '');
    expect<Array<string | undefined>>([
      database.hostname,
      database.username,
      database.password,
      database.pathname,
    ]).toEqual([
      'postgres',
      postgres.POSTGRES_USER,
      postgres.POSTGRES_PASSWORD,
      `/${postgres.POSTGRES_DB}`,
    ]);
    const minio = environment('minio');
    expect([upshot.UPSHOT_S3_ACCESS_KEY_ID, upshot.UPSHOT_S3_SECRET_ACCESS_KEY]).toEqual([
      minio.MINIO_ROOT_USER,
      minio.MINIO_ROOT_PASSWORD,
    ]);
    expect(new URL(upshot.UPSHOT_S3_ENDPOINT ?? '').hostname).toBe('minio');
    const bucket = compose.services.bucket as { entrypoint: string[] };
    expect(bucket.entrypoint.join(' ')).toContain(`local/${upshot.UPSHOT_S3_BUCKET}`);
  });

  test('gives a drain time to finish before Docker kills the instances', () => {
    const drainS = loadConfig(environment('upshot-1')).shutdownTimeoutMs / 1000;
    for (const name of ['upshot-1', 'upshot-2']) {
      const grace = String(compose.services[name]?.stop_grace_period);
      expect(Number(/^(\d+)s$/.exec(grace)?.[1])).toBeGreaterThan(drainS);
    }
  });
});
