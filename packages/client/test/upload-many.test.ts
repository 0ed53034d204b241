import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createClient, type UploadProgressEvent } from '../src/index.ts';
import { fakeClock } from './helpers/clock.ts';
import { errorReply, type FakeChevereto, startFakeChevereto } from './helpers/fake-chevereto.ts';
import { makePng } from './helpers/png.ts';

let fake: FakeChevereto;
beforeAll(async () => {
  fake = await startFakeChevereto();
});
afterAll(() => fake.close());

const pngs = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    bytes: makePng(4, 4, [i * 40, 0, 0]),
    filename: `f${i}.png`,
  }));

describe('uploadMany', () => {
  test('keeps at most `concurrency` uploads in flight, and really runs them together', async () => {
    const total = 5;
    let inFlight = 0;
    let maxInFlight = 0;
    let arrived = 0;
    let held: (() => void)[] = [];
    // Hold each request until two are at the server (or the last has come): a client
    // that sent one at a time would never get an answer.
    fake.respond(async (_request, contract) => {
      inFlight++;
      arrived++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => {
        held.push(resolve);
        if (held.length === 2 || arrived === total) {
          for (const release of held) release();
          held = [];
        }
      });
      inFlight--;
      return contract();
    });
    try {
      const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
      const inputs = pngs(total);
      const results = await client.uploadMany(inputs, { concurrency: 2 });
      expect(maxInFlight).toBe(2);
      expect(results.map((r) => [r.index, r.ok, r.input])).toEqual(
        inputs.map((input, i) => [i, true, input]),
      );
    } finally {
      fake.respond(null);
    }
  });

  test("one file's failure is its own result; the rest upload; params reach every upload", async () => {
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const [a, b] = pngs(2);
    const before = fake.requests.length;
    const results = await client.uploadMany([a!, { path: '/nonexistent/x.png' }, b!], {
      params: { title: 'batch', tags: ['ci'] },
    });
    expect(
      results.map((r) =>
        r.ok ? ['ok', r.result.image.title] : ['failed', r.error.kind, r.error.message],
      ),
    ).toEqual([
      ['ok', 'batch'],
      ['failed', 'input', 'File not found: /nonexistent/x.png'],
      ['ok', 'batch'],
    ]);
    expect(fake.requests.slice(before).map((r) => r.fields.tags)).toEqual(['ci', 'ci']);
  });

  test('reports start, retry, success and failure events with running counts', async () => {
    const { clock } = fakeClock();
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, clock, retries: 1 });
    fake.queue(() => errorReply({ status: 503, code: 503, message: 'busy' }));
    const events: UploadProgressEvent[] = [];
    const [a] = pngs(1);
    await client.uploadMany([a!, 'missing-file.png'], {
      concurrency: 1,
      onProgress: (event) => events.push(event),
    });
    expect(
      events.map((e) => {
        if (e.type === 'start') return [e.type, e.index, e.total];
        if (e.type === 'retry') return [e.type, e.index, e.attempt, e.error.status];
        return [e.type, e.index, e.completed, e.failed];
      }),
    ).toEqual([
      ['start', 0, 2],
      ['retry', 0, 1, 503],
      ['success', 0, 1, 0],
      ['start', 1, 2],
      ['failure', 1, 2, 1],
    ]);
  });

  test('an empty list resolves to an empty list', async () => {
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    expect(await client.uploadMany([])).toEqual([]);
  });

  test('an aborted batch fails what was not uploaded, without rejecting', async () => {
    const client = createClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    const controller = new AbortController();
    controller.abort();
    const results = await client.uploadMany(pngs(2), { signal: controller.signal });
    expect(results.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual(['aborted', 'aborted']);
  });
});
