import { type ApiErrorSpec, errorEnvelope } from '@upshot/schema';

/** A contract error (CONTRACT.md §4): thrown anywhere, answered in the envelope by onError. */
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

export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': JSON_TYPE, ...headers },
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
      headers: { 'Content-Type': 'text/plain; charset=UTF-8', ...headers },
    });
  }
  return jsonResponse(errorEnvelope(spec), spec.status, headers);
}
