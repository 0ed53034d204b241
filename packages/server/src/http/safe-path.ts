const ORIGIN = 'http://h';

/**
 * Control, format and line-separator characters. Browsers drop tab, CR and LF from URLs
 * (`/\t/evil.example` becomes `//evil.example`), and any of them in a header is refused.
 */
const UNSAFE_CHARS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * A redirect target taken from the user (`?next=`), kept only when it is a path on this
 * origin; otherwise `fallback`. Every redirect to a user-supplied target goes through here.
 *
 * Refused: anything not starting with exactly one `/`, any backslash (browsers read `\` as
 * `/`), any control character, and anything a URL parser resolves to another origin. The
 * value comes back as the parser normalised it (non-ASCII percent-encoded), so it is
 * always a valid header value.
 */
export function safeLocalPath(value: string | null | undefined, fallback: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) {
    return fallback;
  }
  if (value.includes('\\') || UNSAFE_CHARS.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, `${ORIGIN}/`);
  } catch {
    return fallback;
  }
  if (url.origin !== ORIGIN) return fallback;
  return url.pathname + url.search + url.hash;
}
