// The S3 driver's settings (UPSHOT_STORAGE=s3; README: Configuration), read from the
// environment with the standard AWS names as fallback.

export interface S3StorageOptions {
  /** Service URL (MinIO, R2, B2...); AWS S3 is derived from the region when absent. */
  endpoint?: string;
  bucket: string;
  region: string;
  /** Credentials; Bun falls back to S3_* / AWS_* environment variables when absent. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Keys are stored as `<prefix>/<key>`, so one bucket can hold several instances. */
  prefix?: string;
  /** Bound of each metadata request, in ms (10 s unless set). Uploads get more: see below. */
  timeoutMs?: number;
  /** The bucket is part of the endpoint's host name (https://bucket.s3.region.amazonaws.com). */
  virtualHostedStyle?: boolean;
  /** Keys per ListObjectsV2 page (1000, the S3 maximum, unless set; tests use small pages). */
  listPageSize?: number;
}

/** Plain path segments only: no `..`, no empty or hidden segment. */
const safePrefix = (prefix: string): boolean =>
  prefix.length <= 512 &&
  prefix.split('/').every((segment) => /^[A-Za-z0-9_=+-][A-Za-z0-9._=+-]*$/.test(segment));

type Env = Record<string, string | undefined>;

/** The first of the names that is set (an empty value counts as unset), with its name. */
function pick(env: Env, ...names: string[]): { name: string; value: string } | null {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return null;
}

/**
 * The S3 driver's options from the environment (`UPSHOT_STORAGE=s3`, see the README's
 * settings table). The standard AWS variables are read when the UPSHOT_S3_* ones are not
 * set. Throws an Error naming the setting that is missing or wrong.
 */
export function s3OptionsFromEnv(env: Env = process.env): S3StorageOptions {
  const bucket = pick(env, 'UPSHOT_S3_BUCKET');
  if (!bucket) throw new Error('UPSHOT_S3_BUCKET is required when UPSHOT_STORAGE=s3');
  // Loose on purpose: stores differ in their naming rules; this only catches a path or a URL.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket.value))
    throw new Error('UPSHOT_S3_BUCKET must be a bucket name (letters, digits, . _ -)');

  const region = pick(env, 'UPSHOT_S3_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION');
  if (region && !/^[A-Za-z0-9-]+$/.test(region.value))
    throw new Error(`${region.name} must be a region name such as us-east-1 or auto`);

  const endpoint = pick(env, 'UPSHOT_S3_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL');
  let endpointUrl: URL | null = null;
  if (endpoint) {
    try {
      endpointUrl = new URL(endpoint.value);
    } catch {
      endpointUrl = null;
    }
    if (!endpointUrl || (endpointUrl.protocol !== 'http:' && endpointUrl.protocol !== 'https:'))
      throw new Error(`${endpoint.name} must be an http:// or https:// URL`);
    if (endpointUrl.search || endpointUrl.hash || endpointUrl.username || endpointUrl.password)
      throw new Error(`${endpoint.name} must be a plain URL, without query or credentials`);
  }

  const accessKeyId = pick(env, 'UPSHOT_S3_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID');
  if (!accessKeyId)
    throw new Error('UPSHOT_S3_ACCESS_KEY_ID (or AWS_ACCESS_KEY_ID) is required for S3 storage');
  const secretAccessKey = pick(env, 'UPSHOT_S3_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY');
  if (!secretAccessKey)
    throw new Error(
      'UPSHOT_S3_SECRET_ACCESS_KEY (or AWS_SECRET_ACCESS_KEY) is required for S3 storage',
    );

  const rawPrefix = pick(env, 'UPSHOT_S3_PREFIX');
  const prefix = rawPrefix?.value.replace(/^\/+|\/+$/g, '') ?? '';
  if (rawPrefix && !safePrefix(prefix))
    throw new Error('UPSHOT_S3_PREFIX must be a path of plain segments, such as upshot/media');

  const timeout = pick(env, 'UPSHOT_STORAGE_TIMEOUT_S');
  let timeoutMs: number | undefined;
  if (timeout) {
    const seconds = Number(timeout.value);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
      throw new Error('UPSHOT_STORAGE_TIMEOUT_S must be a number of seconds between 0 and 3600');
    timeoutMs = Math.round(seconds * 1000);
  }

  return {
    bucket: bucket.value,
    region: region?.value ?? 'us-east-1',
    accessKeyId: accessKeyId.value,
    secretAccessKey: secretAccessKey.value,
    ...(endpointUrl ? { endpoint: endpointUrl.href.replace(/\/+$/, '') } : {}),
    // An endpoint whose host starts with the bucket is virtual-hosted (Bun's docs: the
    // bucket is then taken from the host name, not added to the path).
    ...(endpointUrl?.hostname.startsWith(`${bucket.value.toLowerCase()}.`)
      ? { virtualHostedStyle: true }
      : {}),
    ...(prefix ? { prefix } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}
