// Structured one-line logs (README: Logs): `text` (the default) or, with
// UPSHOT_LOG_FORMAT=json, one JSON object per line for a log shipper. Callers pass no
// secrets; as a second guard, fields named like a secret are redacted and errors are
// written without the query parameters or URL credentials that drivers put in messages.

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';

export interface LoggerOptions {
  /** Info lines (one per upload) are written; errors always are. */
  enabled?: boolean;
  format?: LogFormat;
  /** Where lines go (tests capture them); default stdout for info, stderr for errors. */
  write?: (line: string, level: LogLevel) => void;
}

/** Field names that may hold an API key, a token, a password or a cookie. */
const SECRET_FIELD =
  /^keys?$|(api|admin|guest)[-_]?key$|token$|secret$|password$|passwd$|cookies?$|authorization$/i;
const MAX_DEPTH = 4;

/** Drizzle puts the query's parameters in its message; a driver may put a URL's password. */
export function scrubText(text: string): string {
  return text
    .replace(/\nparams: [^\n]*/g, '\nparams: [redacted]')
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1<credentials>@');
}

function safeError(error: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: scrubText(error.message) };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (error.stack) out.stack = scrubText(error.stack);
  if (error.cause !== undefined && depth < MAX_DEPTH) out.cause = safeValue(error.cause, depth + 1);
  return out;
}

function safeValue(value: unknown, depth: number): unknown {
  if (value instanceof Error) return safeError(value, depth);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => safeValue(item, depth + 1));
  return safeFields(value as Record<string, unknown>, depth + 1);
}

function safeFields(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = SECRET_FIELD.test(key) ? '[redacted]' : safeValue(value, depth);
  }
  return out;
}

/** One log line in the chosen format; `requestId` is lifted out of the fields in JSON. */
export function formatLine(
  format: LogFormat,
  level: LogLevel,
  message: string,
  fields: Record<string, unknown> | undefined,
  time = new Date(),
): string {
  if (format === 'json') {
    const line: Record<string, unknown> = { time: time.toISOString(), level, message };
    if (fields) {
      const { requestId, ...rest } = safeFields(fields);
      if (typeof requestId === 'string') line.requestId = requestId;
      if (Object.keys(rest).length > 0) line.fields = rest;
    }
    return JSON.stringify(line);
  }
  const prefix = level === 'info' ? '' : `${level.toUpperCase()} `;
  const tail = fields ? ` ${JSON.stringify(safeFields(fields))}` : '';
  return `${time.toISOString()} ${prefix}${message}${tail}`;
}

const defaultWrite = (line: string, level: LogLevel): void => {
  if (level === 'info') console.log(line);
  else console.error(line);
};

export function createLogger(options: boolean | LoggerOptions = true): Logger {
  const {
    enabled = true,
    format = 'text',
    write = defaultWrite,
  } = typeof options === 'boolean' ? { enabled: options } : options;
  return {
    info: (message, fields) => {
      if (enabled) write(formatLine(format, 'info', message, fields), 'info');
    },
    error: (message, fields) => write(formatLine(format, 'error', message, fields), 'error'),
  };
}

/**
 * Lines about the process itself (listening, draining): always written, as the plain
 * text they have always been, or as JSON lines like every other one.
 */
export function announce(
  format: LogFormat,
  text: string,
  fields?: Record<string, unknown>,
  level: LogLevel = 'info',
): void {
  if (format === 'json') defaultWrite(formatLine('json', level, text.trim(), fields), level);
  else defaultWrite(text, level);
}

export const silentLogger: Logger = { info: () => {}, error: () => {} };
