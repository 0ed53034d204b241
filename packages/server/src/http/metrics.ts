// Prometheus metrics (README: Metrics), with prom-client. They exist only when
// UPSHOT_METRICS_TOKEN is set: otherwise every call below is a no-op and prom-client is
// never loaded, so the default start pays nothing for them. Labels are few and bounded
// (a status, a contract code, a kind): never a path, an id or a key.
import type {
  Counter as CounterType,
  Gauge as GaugeType,
  Histogram as HistogramType,
  Registry as RegistryType,
} from 'prom-client';
import type { Database } from '../db/database.ts';
import { DatabaseFullError, DatabaseUnavailableError } from '../db/errors.ts';
import type { Storage } from '../storage/storage.ts';
import { StorageFullError, StorageUnavailableError } from '../storage/storage.ts';

/** What the gauges read at scrape time. */
export interface MetricSources {
  queue: { readonly active: number; readonly waiting: number };
  drain: { readonly inFlight: number; readonly draining: boolean };
  /** Bun's server while it listens (its pendingRequests), else null. */
  server: () => { readonly pendingRequests: number } | null;
}

export interface Metrics {
  readonly enabled: boolean;
  /** An upload that was stored (or joined an identical one: `duplicate`). */
  uploaded(upload: { type: string; bytes: number; duplicate: boolean; seconds: number }): void;
  /** An upload answered with an error envelope: the HTTP status and the contract's code. */
  refused(refusal: { status: number; code: number; seconds: number }): void;
  /** A GET/HEAD of /images/...: its status and the time to its reply's headers. */
  fileServed(status: number, seconds: number): void;
  /** How long a media task waited for a slot in the queue. */
  queueWaited(seconds: number): void;
  watch(sources: MetricSources): void;
  /** The storage, counting its failures by kind (itself when metrics are off). */
  meterStorage(storage: Storage): Storage;
  /** The database, counting its failures by kind (itself when metrics are off). */
  meterDatabase(database: Database): Database;
  /** The exposition text. */
  render(): Promise<{ contentType: string; body: string }>;
}

export const noMetrics: Metrics = {
  enabled: false,
  uploaded: () => {},
  refused: () => {},
  fileServed: () => {},
  queueWaited: () => {},
  watch: () => {},
  meterStorage: (storage) => storage,
  meterDatabase: (database) => database,
  render: async () => ({ contentType: 'text/plain', body: '' }),
};

export type FailureKind = 'full' | 'unavailable' | 'other';

const storageFailure = (error: unknown): FailureKind =>
  error instanceof StorageFullError
    ? 'full'
    : error instanceof StorageUnavailableError
      ? 'unavailable'
      : 'other';

/**
 * A failure of the database itself, or null for an error that only passed through a
 * transaction (a refusal thrown inside one to roll it back is no database error).
 */
function databaseFailure(error: unknown): FailureKind | null {
  if (error instanceof DatabaseFullError) return 'full';
  if (error instanceof DatabaseUnavailableError) return 'unavailable';
  const seen = new Set<unknown>();
  for (let e = error; e && typeof e === 'object' && !seen.has(e); e = (e as Error).cause) {
    seen.add(e);
    const { name } = e as Error;
    // bun:sqlite, postgres.js, and Drizzle's wrapper (which keeps the query and params).
    if (name === 'SQLiteError' || name === 'PostgresError') return 'other';
    if ('query' in e && 'params' in e) return 'other';
  }
  return null;
}

/**
 * Process metrics from prom-client's default collectors that work under Bun (checked on
 * Bun 1.4.5): CPU, memory from /proc, file descriptors, the JS heap and the event loop
 * lag measured with setImmediate. Left out because Bun does not implement what they read
 * (they stay empty or report nonsense): the event-loop-delay histogram
 * (monitorEventLoopDelay), GC durations, active handles/requests/resources, heap spaces;
 * also process_heap_bytes (VmData counts the address space JavaScriptCore reserves) and
 * nodejs_version_info (the Node.js version Bun imitates, not Bun's).
 */
export const PROCESS_METRICS = [
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_cpu_seconds_total',
  'process_start_time_seconds',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_open_fds',
  'process_max_fds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
] as const;

type PromClient = typeof import('prom-client');

/** The process's collectors, made once per process (they describe the process, not a server). */
let processRegistry: RegistryType | null = null;
function processMetrics(client: PromClient): RegistryType {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Latencies of whole uploads: from a fraction of a second to the 300 s body deadline. */
const UPLOAD_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Time to the headers of a file reply: a row lookup and a file open. */
const SERVE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export async function createMetrics(enabled: boolean): Promise<Metrics> {
  if (!enabled) return noMetrics;
  const client: PromClient = await import('prom-client');
  const registry: RegistryType = new client.Registry();
  const registers = [registry];
  const shared = processMetrics(client);
  for (const name of PROCESS_METRICS) {
    const metric = shared.getSingleMetric(name);
    if (metric) registry.registerMetric(metric);
  }

  const uploads: CounterType<'type' | 'duplicate'> = new client.Counter({
    name: 'upshot_uploads_total',
    help: 'Uploads stored, by media type; duplicate="true" when identical bytes were already stored.',
    labelNames: ['type', 'duplicate'],
    registers,
  });
  const uploadBytes: CounterType = new client.Counter({
    name: 'upshot_upload_bytes_total',
    help: 'Bytes of the files of stored uploads (duplicates included).',
    registers,
  });
  const refusals: CounterType<'status' | 'code'> = new client.Counter({
    name: 'upshot_upload_refusals_total',
    help: "Uploads answered with an error envelope, by HTTP status and the contract's error code.",
    labelNames: ['status', 'code'],
    registers,
  });
  const uploadSeconds: HistogramType<'outcome'> = new client.Histogram({
    name: 'upshot_upload_duration_seconds',
    help: 'Upload requests from arrival to reply; outcome is stored or refused.',
    labelNames: ['outcome'],
    buckets: UPLOAD_BUCKETS,
    registers,
  });
  const serveSeconds: HistogramType<'status'> = new client.Histogram({
    name: 'upshot_file_serve_duration_seconds',
    help: 'GET/HEAD of /images/... until the reply headers are ready (the body streams after).',
    labelNames: ['status'],
    buckets: SERVE_BUCKETS,
    registers,
  });
  const queueWait: HistogramType = new client.Histogram({
    name: 'upshot_media_queue_wait_seconds',
    help: 'Time media tasks (image and video processing) waited for a slot.',
    buckets: WAIT_BUCKETS,
    registers,
  });
  const storageErrors: CounterType<'operation' | 'kind'> = new client.Counter({
    name: 'upshot_storage_errors_total',
    help: 'Failed storage operations, by operation and kind (full, unavailable, other).',
    labelNames: ['operation', 'kind'],
    registers,
  });
  const databaseErrors: CounterType<'kind'> = new client.Counter({
    name: 'upshot_database_errors_total',
    help: 'Failed database operations, by kind (full, unavailable, other).',
    labelNames: ['kind'],
    registers,
  });

  const gauge = (name: string, help: string, read: () => number): GaugeType =>
    new client.Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });

  let sources: MetricSources | null = null;
  gauge(
    'upshot_http_requests_in_flight',
    "HTTP requests being handled now (Bun's pendingRequests; includes this scrape).",
    () => sources?.server()?.pendingRequests ?? 0,
  );
  gauge(
    'upshot_uploads_in_flight',
    'Upload requests running now.',
    () => sources?.drain.inFlight ?? 0,
  );
  gauge('upshot_draining', '1 while the server drains for a shutdown.', () =>
    sources?.drain.draining ? 1 : 0,
  );
  gauge('upshot_media_queue_active', 'Media tasks running now.', () => sources?.queue.active ?? 0);
  gauge(
    'upshot_media_queue_depth',
    'Media tasks waiting for a slot.',
    () => sources?.queue.waiting ?? 0,
  );

  /** Counts a failed storage call by kind, then lets it fail as before. */
  const watched = <T>(operation: string, work: Promise<T>): Promise<T> =>
    work.catch((error: unknown) => {
      storageErrors.inc({ operation, kind: storageFailure(error) });
      throw error;
    });
  const countDatabase = (error: unknown): never => {
    const kind = databaseFailure(error);
    if (kind) databaseErrors.inc({ kind });
    throw error;
  };

  return {
    enabled: true,
    uploaded({ type, bytes, duplicate, seconds }) {
      uploads.inc({ type, duplicate: String(duplicate) });
      uploadBytes.inc(bytes);
      uploadSeconds.observe({ outcome: 'stored' }, seconds);
    },
    refused({ status, code, seconds }) {
      refusals.inc({ status: String(status), code: String(code) });
      uploadSeconds.observe({ outcome: 'refused' }, seconds);
    },
    fileServed(status, seconds) {
      serveSeconds.observe({ status: String(status) }, seconds);
    },
    queueWaited(seconds) {
      queueWait.observe(seconds);
    },
    watch(next) {
      sources = next;
    },
    meterStorage(storage: Storage): Storage {
      return {
        kind: storage.kind,
        putAll: (files) => watched('put', storage.putAll(files)),
        deleteAll: (keys) => watched('delete', storage.deleteAll(keys)),
        exists: (key) => watched('exists', storage.exists(key)),
        get: (key) => watched('get', storage.get(key)),
        async *list(prefix) {
          try {
            yield* storage.list(prefix);
          } catch (error) {
            storageErrors.inc({ operation: 'list', kind: storageFailure(error) });
            throw error;
          }
        },
        ping: () => watched('ping', storage.ping()),
      };
    },
    meterDatabase(database: Database): Database {
      return {
        ...database,
        run: (work) => database.run(work).catch(countDatabase),
        tx: (work) => database.tx(work).catch(countDatabase),
        ping: () => database.ping().catch(countDatabase),
      };
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
