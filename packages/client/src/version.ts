/**
 * The client's version, sent in its User-Agent. A constant rather than an import of
 * package.json, which would put the whole manifest into the action's bundle (and make
 * the bundle stale on every unrelated manifest edit); test/version.test.ts keeps the
 * two equal.
 */
export const VERSION = '0.1.0';
