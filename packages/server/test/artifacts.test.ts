import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { UploadSuccess } from '@upshot/schema';
import { ConfigError, loadConfig } from '../src/config.ts';
import { file, md5, png } from './helpers/images.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/** Build artifacts (README: Build artifacts): opt-in, stored as they are, served as downloads. */

const text = (value: string) => new TextEncoder().encode(value);
// A zip holding one empty file: what file-type recognises as application/zip.
const ZIP = Uint8Array.from(
  Buffer.from(
    'UEsDBAoAAAAAAAAAIQAAAAAAAAAAAAAAAAAFAAAAYS50eHRQSwECFAAKAAAAAAAAACEAAAAAAAAAAAAAAAAABQAAAAAAAAAAAAAAAAAAAAAAYS50eHRQSwUGAAAAAAEAAQAzAAAAIwAAAAAA',
    'base64',
  ),
);

async function expectError(res: Response, status: number, code: number) {
  const body = await res.json();
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
}

describe('with UPSHOT_FILE_UPLOADS off (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  test('a text file, a zip and a PDF are refused as before', async () => {
    await expectError(
      await server.upload({ source: file(text('log line\n'), 'run.log') }),
      415,
      610,
    );
    await expectError(await server.upload({ source: file(ZIP, 'trace.zip') }), 415, 610);
    await expectError(
      await server.upload({ source: file(text('%PDF-1.4\n%âãÏÓ\n1 0 obj\n'), 'report.pdf') }),
      415,
      613,
    );
    expect(await server.imageCount()).toBe(0);
  });
});

describe('with UPSHOT_FILE_UPLOADS on', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      UPSHOT_FILE_UPLOADS: 'true',
      UPSHOT_MAX_UPLOAD_MB_GUEST: '0.001',
    });
  });
  afterAll(() => server.stop());

  async function uploadOk(bytes: Uint8Array<ArrayBuffer>, name: string) {
    const res = await server.upload({ source: file(bytes, name) });
    const body = await res.json();
    expect({ status: res.status, error: body.error }).toEqual({ status: 200, error: undefined });
    expect([...Value.Errors(UploadSuccess, body)]).toEqual([]);
    return body.image;
  }

  test('a file of an allowed extension is stored as it is, with no variants, as a documented type', async () => {
    const bytes = text('2026-01-01 step 1 ok\n2026-01-01 step 2 failed\n');
    const image = await uploadOk(bytes, 'e2e run.log');
    expect(image).toMatchObject({
      type: 'file',
      extension: 'log',
      filename: 'e2e-run.log',
      mime: 'text/plain; charset=utf-8',
      size: bytes.length,
      width: 0,
      height: 0,
      chain: 4,
      md5: md5(bytes),
      source_md5: null,
      thumb: { url: null },
      medium: { url: null },
      title: 'e2e run',
    });
    const res = await fetch(image.url);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    expect({
      type: res.headers.get('content-type'),
      disposition: res.headers.get('content-disposition'),
      nosniff: res.headers.get('x-content-type-options'),
      csp: res.headers.get('content-security-policy'),
    }).toEqual({
      type: 'text/plain; charset=utf-8',
      disposition: 'attachment; filename="e2e-run.log"',
      nosniff: 'nosniff',
      csp: "default-src 'none'; sandbox",
    });
    // Its viewer page offers the download and never embeds it.
    const viewer = await (await fetch(image.url_viewer)).text();
    expect(viewer).toContain(`href="${image.url}" download="">Download e2e-run.log</a>`);
    expect(viewer).not.toContain(`<img class="media" src="${image.url}"`);
  });

  test("HTML named .txt is stored, but served as a text download that can't run", async () => {
    const page = text('<!doctype html><script>alert(document.cookie)</script>');
    const image = await uploadOk(page, 'notes.txt');
    const res = await fetch(image.url);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toStartWith('attachment;');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
  });

  test("Playwright's trace.zip, a zip and a PDF are kept with their types", async () => {
    const trace = await uploadOk(ZIP, 'checkout.trace.zip');
    expect([trace.filename, trace.mime]).toEqual(['checkout.trace.zip', 'application/zip']);
    const pdf = await uploadOk(text('%PDF-1.4\n%âãÏÓ\n1 0 obj\n'), 'report.pdf');
    expect([pdf.extension, pdf.mime, pdf.type]).toEqual(['pdf', 'application/pdf', 'file']);
    expect((await fetch(pdf.url)).headers.get('content-disposition')).toBe(
      'attachment; filename="report.pdf"',
    );
  });

  test('an extension not on the list, or none, is refused; images are still images', async () => {
    await expectError(await server.upload({ source: file(text('MZ...'), 'tool.exe') }), 415, 610);
    await expectError(await server.upload({ source: file(text('plain'), 'README') }), 415, 610);
    // base64 has no file name, so no extension to allow.
    await expectError(
      await server.upload({ source: Buffer.from('just text').toString('base64') }),
      415,
      610,
    );
    const image = await uploadOk(await png(40, 30), 'shot.txt');
    expect([image.type, image.extension, image.chain]).toEqual(['image', 'png', 5]);
  });

  test('a broken image with an allowed extension is still an invalid image', async () => {
    const broken = (await png(40, 30)).slice(0, 60);
    await expectError(await server.upload({ source: file(broken, 'shot.log') }), 400, 400);
  });

  test("the guest limits apply: size, and the guest key's expiry", async () => {
    await expectError(
      await server.upload(
        { source: file(text('x'.repeat(2_000)), 'big.log') },
        { key: server.guestKey },
      ),
      413,
      400,
    );
    const res = await server.upload(
      { source: file(text('small'), 'small.log') },
      { key: server.guestKey },
    );
    expect(res.status).toBe(200);
    expect((await res.json()).image.expiration_date_gmt).not.toBeNull();
  });
});

test('UPSHOT_FILE_EXTENSIONS is a checked list; UPSHOT_BASELINES_KEEP a positive number', () => {
  expect(loadConfig({}).fileExtensions).toEqual(['zip', 'json', 'txt', 'log', 'pdf', 'trace.zip']);
  expect(loadConfig({}).fileUploads).toBe(false);
  expect(loadConfig({ UPSHOT_FILE_EXTENSIONS: ' .ZIP, har ' }).fileExtensions).toEqual([
    'zip',
    'har',
  ]);
  expect(() => loadConfig({ UPSHOT_FILE_EXTENSIONS: 'zip,../x' })).toThrow(ConfigError);
  expect(() => loadConfig({ UPSHOT_FILE_EXTENSIONS: ',' })).toThrow(/UPSHOT_FILE_EXTENSIONS/);
  expect(loadConfig({}).baselinesKeep).toBe(10);
  expect(() => loadConfig({ UPSHOT_BASELINES_KEEP: '0' })).toThrow(/UPSHOT_BASELINES_KEEP/);
});
