/**
 * Runs s3rver, a FAKE S3 server, in its own process (see s3rver.ts): a process can be
 * stopped with SIGSTOP to play an object store that accepts connections but never answers.
 *
 * Settings come from the environment. Prints `{"port":N}` once listening, then one JSON
 * line per request received, so tests can see the request pattern (multipart, ranges).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:http';

// s3rver lists keys in the order readdirSync gives names, and pages through a listing by the
// last key; Node sorts those names, Bun does not. Patched before s3rver (and fs-extra, which
// copies fs's functions when loaded) is imported below.
const { readdirSync } = fs;
fs.readdirSync = ((...args: Parameters<typeof readdirSync>) => {
  const names = readdirSync(...args);
  return names.every((name) => typeof name === 'string') ? names.sort() : names;
}) as typeof readdirSync;

// s3rver seals its list continuation tokens with the cipher named 'des', an alias that Bun's
// crypto does not know (Node's OpenSSL 3 refuses it too); 'des-cbc' is the same cipher.
const alias = (name: string) => (name === 'des' ? 'des-cbc' : name);
const { createCipheriv, createDecipheriv } = crypto;
Object.assign(crypto, {
  createCipheriv: (name: string, ...rest: [crypto.CipherKey, crypto.BinaryLike | null]) =>
    createCipheriv(alias(name), ...rest),
  createDecipheriv: (name: string, ...rest: [crypto.CipherKey, crypto.BinaryLike | null]) =>
    createDecipheriv(alias(name), ...rest),
});

const directory = process.env.S3RVER_DIRECTORY;
const bucket = process.env.S3RVER_BUCKET;
if (!directory || !bucket) throw new Error('S3RVER_DIRECTORY and S3RVER_BUCKET are required');
const port = Number(process.env.S3RVER_PORT ?? '0');
// Writes to keys containing this text are answered with S3RVER_REFUSE_STATUS (tests of failures).
const refuse = process.env.S3RVER_REFUSE ?? '';
const refuseStatus = Number(process.env.S3RVER_REFUSE_STATUS ?? '403');

const { default: S3rver } = await import('s3rver');
const fake = new S3rver({
  directory,
  silent: true,
  configureBuckets: [{ name: bucket, configs: [] }],
});
await fake.configureBuckets();
const handle = fake.callback();

const server = createServer((req, res) => {
  const line = {
    method: req.method,
    url: req.url,
    range: req.headers.range ?? null,
    contentLength: req.headers['content-length'] ?? null,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  const writing = req.method === 'PUT' || req.method === 'POST';
  if (refuse !== '' && writing && req.url?.includes(refuse)) {
    req.resume();
    res.writeHead(refuseStatus, { 'Content-Type': 'application/xml' });
    const code = refuseStatus >= 500 ? 'ServiceUnavailable' : 'AccessDenied';
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
        '<Message>Refused by the test</Message></Error>',
    );
    return;
  }
  handle(req, res);
});
// The parent holds our stdin open; when it goes away (even killed), so do we, and the
// objects with us (a restart by the parent kills this process instead, keeping them).
process.stdin.on('end', () => {
  fs.rmSync(directory, { recursive: true, force: true });
  process.exit(0);
});
process.stdin.resume();

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port: actual })}\n`);
});
