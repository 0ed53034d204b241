// nginx as a round-robin load balancer in front of app instances, for multi-instance tests.
// Everything lives in a temp prefix (config, pid, logs, temp paths); the master runs in the
// foreground (`daemon off`) as this process's child, so stop() leaves nothing behind.
// Binary: Debian's nginx-light (scripts/setup-test-deps.sh installs it).
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary, isRoot, mustRun, PortInUseError, waitFor, withFreePort } from './process.ts';

export interface NginxOptions {
  /** The app instances, as `host:port`. */
  upstreams: string[];
  /** nginx's `client_max_body_size`; default 0 (no limit: the app enforces its own limits). */
  clientMaxBodySize?: string;
}

export interface TestNginx {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The master's pid (its worker is its child). */
  pid: number;
  /** The temp folder with the config, pid file, logs and temp paths. */
  prefix: string;
  /** Graceful reload with a new set of upstreams; resolves once the new set serves. */
  reload(upstreams: string[]): Promise<void>;
  /** Stops nginx (master and workers) and removes the prefix. Safe to call twice. */
  stop(): Promise<void>;
}

/** Answers with the config generation, so start and reload can tell when their config serves. */
const GENERATION_PATH = '/.test-nginx-generation';

export function nginxBinary(): string {
  const bin = findBinary('nginx', ['/usr/sbin/nginx']);
  if (!bin) throw new Error('nginx is missing: run scripts/setup-test-deps.sh');
  return bin;
}

function renderConfig(
  prefix: string,
  port: number,
  generation: number,
  options: NginxOptions,
): string {
  if (options.upstreams.length === 0) throw new Error('startNginx: at least one upstream');
  for (const upstream of options.upstreams) {
    if (!/^[\w.-]+:\d+$|^\[[\da-f:]+\]:\d+$/i.test(upstream)) {
      throw new Error(`startNginx: upstream ${JSON.stringify(upstream)} is not host:port`);
    }
  }
  const path = (name: string) => join(prefix, name);
  // A root master switches its workers to another user, who could not enter the 0700 prefix.
  const user = isRoot() ? 'user root;' : '';
  return `
daemon off;
master_process on;
worker_processes 1;
${user}
pid ${path('nginx.pid')};
error_log ${path('error.log')} notice;

events {
  worker_connections 1024;
}

http {
  access_log off;
  default_type text/plain;
  client_body_temp_path ${path('client_body')};
  proxy_temp_path ${path('proxy')};
  fastcgi_temp_path ${path('fastcgi')};
  uwsgi_temp_path ${path('uwsgi')};
  scgi_temp_path ${path('scgi')};

  upstream app {
    # Round robin. One failed attempt takes a server out for 2 s, so a stopped instance is
    # skipped quickly and tried again soon after it is back.
${options.upstreams.map((upstream) => `    server ${upstream} max_fails=1 fail_timeout=2s;`).join('\n')}
  }

  server {
    listen 127.0.0.1:${port};
    # The app answers oversized uploads with the contract's JSON error; nginx's own would be HTML.
    client_max_body_size ${options.clientMaxBodySize ?? '0'};

    location = ${GENERATION_PATH} {
      return 200 "${generation}";
    }

    location / {
      proxy_pass http://app;
      # HTTP/1.1 so a chunked upload streams through instead of being buffered first.
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # Uploads stream to the app as they arrive (no spooling of the whole body to disk here).
      proxy_request_buffering off;
      proxy_connect_timeout 2s;
      proxy_send_timeout 120s;
      proxy_read_timeout 120s;
      # Try the next server when one is down (error, timeout) or says it cannot serve (502, 503).
      # nginx does this for a POST/PATCH/LOCK only while nothing of it has reached an upstream
      # yet (a refused connection): once sent, an upload may have been stored, and retrying it
      # elsewhere could store it twice. So no \`non_idempotent\` here. With request buffering
      # off, nginx cannot resend a body it has started to stream anyway.
      # Note: a 502/503 the app itself answers also counts as a failure towards max_fails.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries ${options.upstreams.length};
    }
  }
}
`;
}

/** GETs the generation marker on a fresh connection; null when nginx does not answer. */
async function servedGeneration(url: string): Promise<number | null> {
  try {
    const response = await fetch(`${url}${GENERATION_PATH}`, {
      headers: { Connection: 'close' },
    });
    const text = await response.text();
    return response.ok ? Number(text) : null;
  } catch {
    return null;
  }
}

export async function startNginx(options: NginxOptions): Promise<TestNginx> {
  const bin = nginxBinary();
  const prefix = await mkdtemp(join(tmpdir(), 'upshot-nginx-'));
  try {
    return await withFreePort((port) => launch(bin, prefix, port, options));
  } catch (error) {
    await rm(prefix, { recursive: true, force: true });
    throw error;
  }
}

async function launch(
  bin: string,
  prefix: string,
  port: number,
  options: NginxOptions,
): Promise<TestNginx> {
  const confFile = join(prefix, 'nginx.conf');
  const errorLog = join(prefix, 'error.log');
  // -e: the error log before the config is read (the built-in default is a system path).
  const args = ['-p', `${prefix}/`, '-c', confFile, '-e', errorLog];
  let generation = 1;
  await writeFile(confFile, renderConfig(prefix, port, generation, options));
  await writeFile(errorLog, '');

  const log = openSync(errorLog, 'a');
  const proc = Bun.spawn([bin, ...args], {
    cwd: prefix,
    stdin: 'ignore',
    stdout: log,
    stderr: log,
  });
  closeSync(log);
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => exited || (await servedGeneration(url)) === generation,
    'nginx to serve',
  );
  if (exited) {
    const text = await readFile(errorLog, 'utf8');
    if (text.includes('Address already in use')) throw new PortInUseError(text);
    throw new Error(`nginx exited at start (exit ${proc.exitCode}):\n${text}`);
  }

  const countShutdowns = async () =>
    (await readFile(errorLog, 'utf8')).split('gracefully shutting down').length - 1;
  let stopped = false;
  return {
    url,
    port,
    pid: proc.pid,
    prefix,
    async reload(upstreams) {
      if (stopped || exited) throw new Error('nginx is not running');
      const next = generation + 1;
      await writeFile(confFile, renderConfig(prefix, port, next, { ...options, upstreams }));
      // A config nginx rejects would leave the old one serving: refuse it here instead.
      await mustRun([bin, '-t', '-q', ...args]);
      const before = await countShutdowns();
      generation = next;
      proc.kill('SIGHUP');
      // The new worker answers with the new generation, and the old one (one worker) has
      // logged that it stops accepting: from then on only the new upstreams get requests.
      await waitFor(
        async () => (await servedGeneration(url)) === next && (await countShutdowns()) > before,
        'nginx to reload',
      );
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // SIGTERM: fast shutdown; the master exits only after its workers.
      proc.kill('SIGTERM');
      await proc.exited;
      await rm(prefix, { recursive: true, force: true });
    },
  };
}
