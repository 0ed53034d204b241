// Every request gets an id, sent back as X-Request-Id and put on its log lines, so one
// reply can be found in the logs (server.ts assigns it before any route runs).
const ids = new WeakMap<Request, string>();

export function assignRequestId(request: Request): string {
  const id = crypto.randomUUID();
  ids.set(request, id);
  return id;
}

export const requestIdOf = (request: Request): string => ids.get(request) ?? crypto.randomUUID();
