/** Structured one-line logs. Callers pass no secrets: keys, tokens and cookies are never logged. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const serialize = (fields: Record<string, unknown> | undefined): string => {
  if (!fields) return '';
  const safe = Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [
      key,
      value instanceof Error
        ? { name: value.name, message: value.message, stack: value.stack }
        : value,
    ]),
  );
  return ` ${JSON.stringify(safe)}`;
};

export function createLogger(enabled = true): Logger {
  return {
    info: (message, fields) => {
      if (enabled) console.log(`${new Date().toISOString()} ${message}${serialize(fields)}`);
    },
    error: (message, fields) =>
      console.error(`${new Date().toISOString()} ERROR ${message}${serialize(fields)}`),
  };
}

export const silentLogger: Logger = { info: () => {}, error: () => {} };
