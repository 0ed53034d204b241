/**
 * Visual review benchmark (issue 14): how long the diff of a 1280×800 screenshot pair takes
 * on this machine, and a whole comparison through the API.
 *
 *   bun run --cwd bench diff
 *
 * 1. The diff itself (packages/server/src/media/diff.ts): decode both PNGs with sharp, compare
 *    with pixelmatch, encode the diff PNG. The first call (cold: JIT, libvips start-up) and
 *    the median of the following ones.
 * 2. POST /api/1/compare against the real server with one changed 1280×800 screenshot: the
 *    diff plus storing it as an upload (its thumbnail and medium) and the database rows.
 */
import sharp from 'sharp';
import { diffImages } from '../packages/server/src/media/diff.ts';
import { startTestServer } from '../packages/server/test/helpers/server.ts';

const WIDTH = 1280;
const HEIGHT = 800;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

/** A UI-like screenshot: header, text, a card, a chart; `variant` moves a button and recolours the card. */
async function screenshot(variant: number): Promise<Uint8Array> {
  const text = Array.from(
    { length: 30 },
    (_, i) =>
      `<text x="48" y="${120 + i * 21}" font-family="sans-serif" font-size="14" fill="#24292f">Row ${i}: the quick brown fox jumps over the lazy dog ${(i * 7919) % 1000}</text>`,
  ).join('');
  const bars = Array.from(
    { length: 24 },
    (_, i) =>
      `<rect x="${760 + i * 18}" y="${640 - ((i * 37 + variant * 13) % 200)}" width="12" height="${(i * 37 + variant * 13) % 200}" fill="#0969da"/>`,
  ).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
<rect width="100%" height="100%" fill="#ffffff"/><rect width="100%" height="64" fill="#24292f"/>
<text x="24" y="40" font-family="sans-serif" font-size="22" fill="#ffffff">Dashboard</text>${text}
<rect x="740" y="100" width="480" height="220" rx="12" fill="${variant % 2 ? '#dafbe1' : '#ddf4ff'}" stroke="#d0d7de"/>
<circle cx="${900 + variant * 30}" cy="210" r="40" fill="#8250df"/>${bars}
<rect x="${48 + variant * 40}" y="760" width="120" height="32" rx="6" fill="#1f883d"/></svg>`;
  return Uint8Array.from(await sharp(Buffer.from(svg)).png().toBuffer());
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const ms = (n: number) => `${n.toFixed(0)} ms`;

const before = await screenshot(0);
const afters = await Promise.all(Array.from({ length: RUNS + 1 }, (_, i) => screenshot(i + 1)));
const options = { threshold: 0.1, maxPixels: 100_000_000, timeoutMs: 30_000 };

const times: number[] = [];
let changed = 0;
for (const after of afters) {
  const started = performance.now();
  const result = await diffImages(before, after, options);
  times.push(performance.now() - started);
  changed = result.changedPixels;
}
const [cold, ...warm] = times;
console.log(
  `Diff of a ${WIDTH}×${HEIGHT} PNG pair (decode both, pixelmatch, encode the diff PNG):`,
);
console.log(
  `  first call ${ms(cold!)}; then median ${ms(median(warm))}, min ${ms(Math.min(...warm))}, max ${ms(Math.max(...warm))} over ${warm.length} runs`,
);
console.log(`  (${changed} of ${WIDTH * HEIGHT} pixels changed in the last pair)`);

const server = await startTestServer({ UPSHOT_BASELINES_KEEP: '1000' });
try {
  const key = server.adminKey;
  const upload = async (bytes: Uint8Array, name: string) => {
    const res = await server.upload({ source: new File([bytes as BlobPart], name) }, { key });
    return (await res.json()).image.id_encoded as string;
  };
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  await post('/api/1/baselines', {
    project: 'bench',
    branch: 'main',
    files: [{ name: 'dashboard.png', image_id: await upload(before, 'before.png') }],
  });
  const compareTimes: number[] = [];
  for (const [i, after] of afters.entries()) {
    const id = await upload(after, `after-${i}.png`);
    const started = performance.now();
    const res = await post('/api/1/compare', {
      project: 'bench',
      base_branch: 'main',
      pull_request: 1,
      files: [{ name: 'dashboard.png', image_id: id }],
    });
    const body = await res.json();
    compareTimes.push(performance.now() - started);
    if (body.comparison?.summary.changed !== 1) throw new Error(JSON.stringify(body));
  }
  const [coldCompare, ...warmCompare] = compareTimes;
  console.log(
    `POST /api/1/compare, one changed ${WIDTH}×${HEIGHT} screenshot (diff, stored with its thumbnail and medium):`,
  );
  console.log(
    `  first ${ms(coldCompare!)}; then median ${ms(median(warmCompare))} over ${warmCompare.length} runs`,
  );
} finally {
  await server.stop();
}
