import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import {
  ApiErrors,
  ErrorEnvelope,
  errorEnvelope,
  Image,
  ImgbbModeSuccess,
  ImgbbSuccess,
  UploadOptions,
  UploadParams,
  UploadSuccess,
} from '../src/index.ts';
import reference from './fixtures/chevereto-reference-reply.json';

const clone = <T>(value: T): T => structuredClone(value);
/** The reply as a mutable record, for tests that break one field. */
type Mutable = { image: Record<string, unknown> } & Record<string, unknown>;

describe('UploadSuccess', () => {
  test('accepts the reply printed in the original API document', () => {
    expect([...Value.Errors(UploadSuccess, reference)]).toEqual([]);
  });

  test('refuses a reply without an image url', () => {
    const reply = clone(reference) as unknown as Mutable;
    delete reply.image.url;
    expect(Value.Check(UploadSuccess, reply)).toBe(false);
  });

  test('refuses wrong types and values', () => {
    for (const [field, value] of [
      ['nsfw', 2],
      ['type', 'audio'],
      ['md5', 'nothex'],
      ['width', 1.5],
      ['date', '2024-10-10T16:58:00Z'],
      ['is_use_loader', 0],
    ] as const) {
      const reply = clone(reference) as unknown as Mutable;
      reply.image[field] = value;
      expect({ field, ok: Value.Check(UploadSuccess, reply) }).toEqual({ field, ok: false });
    }
  });

  test('a missing medium is all nulls, not a partial object', () => {
    const reply = clone(reference) as unknown as Mutable;
    reply.image.medium = { filename: null, name: null, mime: null, extension: null, url: 'x' };
    expect(Value.Check(Image, reply.image)).toBe(false);
  });
});

describe('imgbb shapes', () => {
  test("Chevereto's imgbb mode carries the image as data with an id", () => {
    const data = { ...clone(reference.image), id: reference.image.id_encoded };
    const reply = {
      status_code: 200,
      status: 200,
      success: reference.success,
      data,
      status_txt: 'OK',
    };
    expect(Value.Check(ImgbbModeSuccess, reply)).toBe(true);
    const { id: _id, ...withoutId } = data;
    expect(Value.Check(ImgbbModeSuccess, { ...reply, data: withoutId })).toBe(false);
  });

  test("imgbb's own reply has string time and expiration and optional medium", () => {
    const file = {
      filename: 'a.png',
      name: 'a',
      mime: 'image/png',
      extension: 'png',
      url: 'http://x/a.png',
    };
    const reply = {
      data: {
        id: 'cL',
        title: 'a',
        url_viewer: 'http://x/image/a.cL',
        url: file.url,
        display_url: file.url,
        width: 10,
        height: 10,
        size: 100,
        time: '1700000000',
        expiration: '0',
        image: file,
        thumb: { ...file, filename: 'a.th.png' },
        delete_url: 'http://x/image/cL/delete/ab',
      },
      success: true,
      status: 200,
    };
    expect(Value.Check(ImgbbSuccess, reply)).toBe(true);
    expect(Value.Check(ImgbbSuccess, { ...reply, data: { ...reply.data, time: 1700000000 } })).toBe(
      false,
    );
    expect(Value.Check(ImgbbSuccess, { ...reply, success: 'true' })).toBe(false);
  });
});

describe('errors', () => {
  test('errorEnvelope builds the contract envelope with the HTTP reason phrase', () => {
    expect(errorEnvelope(ApiErrors.invalidKey)).toEqual({
      status_code: 401,
      error: { message: 'Invalid API key.', code: 100 },
      status_txt: 'Unauthorized',
    });
    expect(errorEnvelope(ApiErrors.fileTooBig(10))).toEqual({
      status_code: 413,
      error: { message: 'File too big - max 10 MB', code: 400 },
      status_txt: 'Payload Too Large',
    });
    expect(ApiErrors.flooding(50, 'minute').message).toBe(
      'Flooding detected. You can only upload 50 images per minute',
    );
  });

  test('ErrorEnvelope refuses a body without a code', () => {
    expect(Value.Check(ErrorEnvelope, errorEnvelope(ApiErrors.internal))).toBe(true);
    expect(
      Value.Check(ErrorEnvelope, { status_code: 500, error: { message: 'x' }, status_txt: 'x' }),
    ).toBe(false);
  });
});

describe('parameters', () => {
  test('wire parameters are text with the contract patterns', () => {
    expect(
      Value.Check(UploadParams, { source: 'aGVsbG8=', width: '640', nsfw: 'true', format: 'txt' }),
    ).toBe(true);
    for (const bad of [
      { width: '0' },
      { width: '-1' },
      { width: '1.5' },
      { nsfw: 'yes' },
      { format: 'xml' },
      { category_id: 'a' },
    ]) {
      expect({ bad, ok: Value.Check(UploadParams, bad) }).toEqual({ bad, ok: false });
    }
  });

  test('typed options take numbers and booleans', () => {
    expect(
      Value.Check(UploadOptions, { width: 640, nsfw: true, tags: ['a', 'b'], expiration: 'P1D' }),
    ).toBe(true);
    expect(Value.Check(UploadOptions, { width: 0 })).toBe(false);
    expect(Value.Check(UploadOptions, { nsfw: 2 })).toBe(false);
  });
});
