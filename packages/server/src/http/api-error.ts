import { type ApiErrorSpec, errorEnvelope } from '@upshot/schema';

/** A contract error (docs/api.md §4): thrown anywhere, answered in the envelope by onError. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly spec: ApiErrorSpec) {
    super(spec.message);
  }
  get status(): number {
    return this.spec.status;
  }
}

export const JSON_TYPE = 'application/json; charset=UTF-8';

/**
 * Headers of every JSON and text reply of the API: replies can carry a delete URL, so no
 * cache keeps them, and browsers take them as the declared type only.
 */
export const API_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
} as const;

export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': JSON_TYPE, ...API_HEADERS, ...headers },
  });
}

/** The envelope as JSON, or the bare message as text for `format=txt|redirect`. */
export function errorResponse(
  spec: ApiErrorSpec,
  plain = false,
  headers: Record<string, string> = {},
): Response {
  if (plain) {
    return new Response(spec.message, {
      status: spec.status,
      headers: { 'Content-Type': 'text/plain; charset=UTF-8', ...API_HEADERS, ...headers },
    });
  }
  return jsonResponse(errorEnvelope(spec), spec.status, headers);
}
