import { accessSync, constants, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseDuration } from 'tinyduration';
import { type S3StorageOptions, s3OptionsFromEnv } from './config/s3.ts';
import { parseTrustProxy, type TrustProxy } from './config/trust-proxy.ts';

/** Every setting, read once from the environment at start (README: Configuration). */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  baseUrl: string;
  /** API key for the admin user created at first start; generated and printed when unset. */
  adminKey: string | undefined;
  /** The public guest key; generated and kept in the database when unset. */
  guestKey: string | undefined;
  guestUploads: boolean;
  urlUploads: boolean;
  /** Salt of the id encoding; a fresh instance draws 8 hex and keeps them. */
  idSalt: string | undefined;
  idPadding: number;
  maxUploadMbGuest: number;
  maxUploadMbUser: number;
  maxPixels: number;
  /** Animations with more frames are refused from their header. */
  maxFrames: number;
  /** Deadline for the work on one image or video (UPSHOT_MEDIA_TIMEOUT_S). */
  mediaTimeoutMs: number;
  fetchAllowPrivate: boolean;
  fetchTimeoutMs: number;
  /** ISO 8601 duration: the longest a guest upload lives. */
  guestExpiration: string;
  stripGps: boolean;
  mediaConcurrency: number;
  rateLimitGuestPerMinute: number;
  rateLimitGuestPerHour: number;
  /** 0 switches the limit off. */
  rateLimitUserPerMinute: number;
  rateLimitUserPerHour: number;
  /** Which proxies may name the client in X-Forwarded-For (README: Behind a reverse proxy). */
  trustProxy: TrustProxy;
  routeImage: string;
  routeVideo: string;
  logRequests: boolean;
  /** PostgreSQL when set (postgres:// or postgresql://); SQLite in the data folder otherwise. */
  databaseUrl: string | undefined;
  /** Where files go: the local data folder, or an S3-compatible bucket. */
  storage: 'local' | 's3';
  /** The bucket's settings when storage is s3 (UPSHOT_S3_*, AWS_* as fallback). */
  s3: S3StorageOptions | undefined;
  /** File URLs in replies start here (a CDN or a public bucket) instead of the base URL. */
  publicFilesUrl: string | undefined;
  /** The whole request body must arrive within this (slow or stuck clients). */
  bodyTimeoutMs: number;
  /**
   * Bun's idle timeout: a keep-alive connection idle this long is closed, and so is a
   * request whose body stalls (Bun counts body progress in 512 KB steps). Headers have
   * their own fixed 10 s limit in Bun.
   */
  idleTimeoutMs: number;
  /** Local storage refuses uploads (507) that would leave less free space than this. */
  minFreeBytes: number;
  /** Bytes of hot small files served from memory (UPSHOT_FILE_CACHE_MB); 0: none. */
  fileCacheBytes: number;
  /** On SIGTERM/SIGINT, running requests get this long to finish before they are aborted. */
  shutdownTimeoutMs: number;
  /** Session cookies get the Secure flag; on by default when the base URL is https. */
  cookieSecure: boolean;
  /** ffmpeg/ffprobe to run (absolute); unset: found on PATH, else the bundled build (README: Video). */
  ffmpegPath: string | undefined;
  ffprobePath: string | undefined;
  /** Opt-in: files that are not media (build artifacts) are stored as they are (README: Build artifacts). */
  fileUploads: boolean;
  /** Extensions such files may have, lowercase without the dot (`zip`, `trace.zip`). */
  fileExtensions: string[];
  /** Baseline sets (and comparisons) kept per branch; older ones are pruned (README: Visual review). */
  baselinesKeep: number;
  /** GET /metrics answers only with this bearer token; unset: no metrics (README: Metrics). */
  metricsToken: string | undefined;
  /** `text` lines, or one JSON object per line (README: Logs). */
  logFormat: 'text' | 'json';
  /** Who may create an account: anyone, holders of an admin's invitation, or nobody. */
  signups: 'open' | 'invite' | 'closed';
  /** Default storage quota of a user in MB (main files of live images); 0: none. */
  userQuotaMb: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Build artifacts worth keeping by default: archives, reports, logs and Playwright traces. */
const DEFAULT_FILE_EXTENSIONS = 'zip,json,txt,log,pdf,trace.zip';
/** Letters and digits, with inner dots for double extensions (`trace.zip`). */
const FILE_EXTENSION = /^[a-z0-9]{1,16}(\.[a-z0-9]{1,16}){0,2}$/;

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function reader(env: Env) {
  const raw = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const fail = (name: string, value: string, expected: string): never => {
    throw new ConfigError(`${name}=${JSON.stringify(value)} is not valid: expected ${expected}`);
  };
  return {
    string: (name: string, fallback: string) => raw(name) ?? fallback,
    optional: raw,
    bool(name: string, fallback: boolean): boolean {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (TRUE.has(value.toLowerCase())) return true;
      if (FALSE.has(value.toLowerCase())) return false;
      return fail(name, value, 'true or false');
    },
    int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
      const value = raw(name);
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < min || n > max) {
        return fail(name, value, `a whole number from ${min} to ${max}`);
      }
      return n;
    },
    number(name: string, fallback: number, min: number): number {
      const value = raw(name);
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!Number.isFinite(n) || n < min) return fail(name, value, `a number of at least ${min}`);
      return n;
    },
    /** An executable file, as an absolute path. */
    executable(name: string): string | undefined {
      const value = raw(name);
      if (value === undefined) return undefined;
      const path = resolve(value);
      try {
        if (!statSync(path).isFile()) throw new Error();
        accessSync(path, constants.X_OK);
      } catch {
        return fail(name, value, 'the path of an executable file');
      }
      return path;
    },
    fail,
  };
}

/** Reads and validates the configuration; throws ConfigError naming the bad setting. */
export function loadConfig(env: Env = process.env): Config {
  const read = reader(env);
  const port = read.int('PORT', 8080, 0, 65535);
  const baseUrlRaw = read.string('UPSHOT_BASE_URL', `http://localhost:${port}`);
  let baseUrl: string;
  try {
    const url = new URL(baseUrlRaw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    baseUrl = url.href.replace(/\/+$/, '');
  } catch {
    return read.fail(
      'UPSHOT_BASE_URL',
      baseUrlRaw,
      'an http(s) URL such as https://img.example.com',
    );
  }
  const adminKey = read.optional('UPSHOT_ADMIN_KEY');
  if (adminKey !== undefined && adminKey.length < 32) {
    read.fail('UPSHOT_ADMIN_KEY', '<hidden>', 'a key of 32 characters or more');
  }
  const guestKey = read.optional('UPSHOT_GUEST_KEY');
  if (guestKey !== undefined && guestKey.length < 32) {
    read.fail('UPSHOT_GUEST_KEY', '<hidden>', 'a key of 32 characters or more');
  }
  const guestExpiration = read.string('UPSHOT_GUEST_EXPIRATION', 'P1D');
  try {
    parseDuration(guestExpiration);
  } catch {
    read.fail('UPSHOT_GUEST_EXPIRATION', guestExpiration, 'an ISO 8601 duration such as P1D');
  }
  const route = (name: string, fallback: string) => {
    const value = read.string(name, fallback);
    return /^[a-z0-9-]{1,32}$/.test(value)
      ? value
      : read.fail(name, value, 'lowercase letters, digits or -');
  };
  const routeImage = route('UPSHOT_ROUTE_IMAGE', 'image');
  const routeVideo = route('UPSHOT_ROUTE_VIDEO', 'video');
  if (routeImage === routeVideo)
    read.fail('UPSHOT_ROUTE_VIDEO', routeVideo, 'a word other than UPSHOT_ROUTE_IMAGE');
  const trustProxyRaw = read.string('UPSHOT_TRUST_PROXY', 'false');
  const trustProxy =
    parseTrustProxy(trustProxyRaw) ??
    read.fail(
      'UPSHOT_TRUST_PROXY',
      trustProxyRaw,
      'false, true, a number of proxies, or a comma-separated list of addresses, CIDR ranges, loopback, linklocal or uniquelocal',
    );
  const databaseUrl = read.optional('UPSHOT_DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/[^\s]+$/.test(databaseUrl)) {
    read.fail(
      'UPSHOT_DATABASE_URL',
      databaseUrl.replace(/\/\/[^@/]*@/, '//<credentials>@'),
      'a postgres:// or postgresql:// URL (or unset for SQLite in the data folder)',
    );
  }
  const storage = read.string('UPSHOT_STORAGE', 'local');
  if (storage !== 'local' && storage !== 's3') read.fail('UPSHOT_STORAGE', storage, 'local or s3');
  let s3: S3StorageOptions | undefined;
  if (storage === 's3') {
    try {
      s3 = s3OptionsFromEnv(env);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  const publicFilesRaw = read.optional('UPSHOT_PUBLIC_FILES_URL');
  let publicFilesUrl: string | undefined;
  if (publicFilesRaw !== undefined) {
    try {
      const url = new URL(publicFilesRaw);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
      publicFilesUrl = url.href.replace(/\/+$/, '');
    } catch {
      read.fail(
        'UPSHOT_PUBLIC_FILES_URL',
        publicFilesRaw,
        'an http(s) URL such as https://cdn.example.com',
      );
    }
  }
  const fileExtensionsRaw = read.string('UPSHOT_FILE_EXTENSIONS', DEFAULT_FILE_EXTENSIONS);
  const fileExtensions = [
    ...new Set(
      fileExtensionsRaw
        .split(',')
        .map((ext) => ext.trim().toLowerCase().replace(/^\./, ''))
        .filter((ext) => ext !== ''),
    ),
  ];
  if (fileExtensions.length === 0 || !fileExtensions.every((ext) => FILE_EXTENSION.test(ext))) {
    read.fail(
      'UPSHOT_FILE_EXTENSIONS',
      fileExtensionsRaw,
      'comma-separated extensions such as zip,json,txt,trace.zip',
    );
  }
  const metricsToken = read.optional('UPSHOT_METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) {
    read.fail('UPSHOT_METRICS_TOKEN', '<hidden>', 'a token of 16 characters or more');
  }
  const logFormat = read.string('UPSHOT_LOG_FORMAT', 'text');
  if (logFormat !== 'text' && logFormat !== 'json') {
    read.fail('UPSHOT_LOG_FORMAT', logFormat, 'text or json');
  }
  const signups = read.string('UPSHOT_SIGNUPS', 'invite');
  if (signups !== 'open' && signups !== 'invite' && signups !== 'closed') {
    read.fail('UPSHOT_SIGNUPS', signups, 'open, invite or closed');
  }
  return {
    port,
    host: read.string('HOST', '0.0.0.0'),
    dataDir: resolve(read.string('UPSHOT_DATA_DIR', './data')),
    baseUrl,
    adminKey,
    guestKey,
    guestUploads: read.bool('UPSHOT_GUEST_UPLOADS', true),
    urlUploads: read.bool('UPSHOT_URL_UPLOADS', true),
    idSalt: read.optional('UPSHOT_ID_SALT'),
    idPadding: read.int('UPSHOT_ID_PADDING', 999, 0, 1_000_000),
    maxUploadMbGuest: read.number('UPSHOT_MAX_UPLOAD_MB_GUEST', 10, 0.001),
    maxUploadMbUser: read.number('UPSHOT_MAX_UPLOAD_MB_USER', 100, 0.001),
    maxPixels: read.int('UPSHOT_MAX_PIXELS', 100_000_000, 1),
    maxFrames: read.int('UPSHOT_MAX_FRAMES', 1000, 1),
    // sharp takes whole seconds, at most an hour.
    mediaTimeoutMs: read.int('UPSHOT_MEDIA_TIMEOUT_S', 30, 1, 3600) * 1000,
    fetchAllowPrivate: read.bool('UPSHOT_FETCH_ALLOW_PRIVATE', false),
    fetchTimeoutMs: read.int('UPSHOT_FETCH_TIMEOUT_MS', 15_000, 100),
    guestExpiration,
    stripGps: read.bool('UPSHOT_STRIP_GPS', true),
    mediaConcurrency: read.int('UPSHOT_MEDIA_CONCURRENCY', availableParallelism(), 1, 256),
    rateLimitGuestPerMinute: read.int('UPSHOT_RATE_LIMIT_GUEST_PER_MINUTE', 50, 0),
    rateLimitGuestPerHour: read.int('UPSHOT_RATE_LIMIT_GUEST_PER_HOUR', 500, 0),
    rateLimitUserPerMinute: read.int('UPSHOT_RATE_LIMIT_USER_PER_MINUTE', 0, 0),
    rateLimitUserPerHour: read.int('UPSHOT_RATE_LIMIT_USER_PER_HOUR', 0, 0),
    trustProxy,
    routeImage,
    routeVideo,
    logRequests: read.bool('UPSHOT_LOG_REQUESTS', true),
    cookieSecure: read.bool('UPSHOT_COOKIE_SECURE', baseUrl.startsWith('https:')),
    ffmpegPath: read.executable('UPSHOT_FFMPEG_PATH'),
    ffprobePath: read.executable('UPSHOT_FFPROBE_PATH'),
    databaseUrl,
    storage: storage as 'local' | 's3',
    s3,
    publicFilesUrl,
    bodyTimeoutMs: read.int('UPSHOT_BODY_TIMEOUT_S', 300, 1, 86_400) * 1000,
    // Bun's idleTimeout, which allows at most 255 s.
    idleTimeoutMs: read.int('UPSHOT_IDLE_TIMEOUT_S', 30, 1, 255) * 1000,
    minFreeBytes: Math.round(read.number('UPSHOT_MIN_FREE_MB', 64, 0) * 1_000_000),
    shutdownTimeoutMs: read.int('UPSHOT_SHUTDOWN_TIMEOUT_S', 25, 0, 3_600) * 1000,
    fileUploads: read.bool('UPSHOT_FILE_UPLOADS', false),
    fileExtensions,
    baselinesKeep: read.int('UPSHOT_BASELINES_KEEP', 10, 1, 10_000),
    metricsToken,
    logFormat: logFormat as 'text' | 'json',
    signups: signups as Config['signups'],
    userQuotaMb: read.number('UPSHOT_USER_QUOTA_MB', 0, 0),
    fileCacheBytes: read.int('UPSHOT_FILE_CACHE_MB', 64, 0, 1_000_000) * 1024 * 1024,
  };
}
