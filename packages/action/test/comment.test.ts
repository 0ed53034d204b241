import { describe, expect, test } from 'bun:test';
import {
  encodeData,
  type FileResult,
  type ListedUpload,
  markerFor,
  parseData,
  type RenderOptions,
  renderComment,
  summaryLine,
} from '../src/comment.ts';
import { renderTitle } from '../src/files.ts';
import { renderSummary } from '../src/main.ts';
import { kindOf, stillValid } from '../src/upload.ts';

const hex = (n: number) => n.toString(16).padStart(32, '0');

function image(i: number, status: FileResult['status'] = 'uploaded'): FileResult {
  return {
    file: `shots/page-${i}.png`,
    name: `page-${i}.png`,
    md5: hex(i),
    status,
    kind: 'image',
    mime: 'image/png',
    url: `https://img.example.com/images/2026/01/01/page-${i}.png`,
    viewerUrl: `https://img.example.com/image/page-${i}.x${i}`,
    thumbUrl: `https://img.example.com/images/2026/01/01/page-${i}.th.png`,
    expiresAt: null,
  };
}

const options: RenderOptions = {
  header: 'screenshots',
  title: 'Screenshots',
  columns: 2,
  collapseAfter: 3,
  runUrl: 'https://github.example/acme/webapp/actions/runs/1',
};

describe('marker and hidden data', () => {
  test('the marker keeps the header but can never close the HTML comment', () => {
    expect(markerFor('screenshots-chromium')).toBe('<!-- upshot:screenshots-chromium -->');
    expect(markerFor(' evil --> <b>x</b> ')).toBe('<!-- upshot:evil -_ _b_x_/b_ -->');
  });

  test('what is encoded parses back, and a URL holding --> cannot end the comment early', () => {
    const uploads: ListedUpload[] = [
      {
        md5: hex(1),
        kind: 'image',
        mime: 'image/png',
        url: 'https://img.example.com/a-->b.png',
        viewerUrl: 'https://img.example.com/image/a.1',
        thumbUrl: 'https://img.example.com/a.th.png',
        expiresAt: '2026-02-01 00:00:00',
      },
      {
        md5: hex(2),
        kind: 'video',
        mime: 'video/mp4',
        url: 'https://img.example.com/b.mp4',
        viewerUrl: 'https://img.example.com/video/b.2',
        thumbUrl: '',
        expiresAt: null,
      },
    ];
    const encoded = encodeData(uploads);
    expect(encoded.indexOf('-->')).toBe(encoded.length - 3);
    expect([...parseData(`text\n${encoded}\nmore`).values()]).toEqual(uploads);
  });

  test('malformed data is ignored, not trusted', () => {
    expect(parseData('no data here').size).toBe(0);
    expect(parseData('<!-- upshot-data {not json} -->').size).toBe(0);
    const rows = [
      ['nothex', 'image', 'image/png', 'https://x/a.png', '', '', null],
      [hex(3), 'image', 'image/png', 'javascript:alert(1)', '', '', null],
      [hex(4), 'weird', 7, 'https://x/b.png', 'ftp://x', null, 5],
    ];
    const parsed = parseData(`<!-- upshot-data ${JSON.stringify({ v: 1, files: rows })} -->`);
    expect([...parsed.values()]).toEqual([
      {
        md5: hex(4),
        kind: 'file',
        mime: '',
        url: 'https://x/b.png',
        viewerUrl: 'https://x/b.png',
        thumbUrl: '',
        expiresAt: null,
      },
    ]);
  });
});

describe('renderComment', () => {
  test('a grid of thumbnails linking to the full image, collapsed past collapse-after', () => {
    const results = [1, 2, 3, 4, 5].map((i) => image(i));
    const { body, truncated } = renderComment(results, options);
    expect(truncated).toBe(false);
    const [before, details] = body.split('<details>');
    expect(before!.match(/<img /g)).toHaveLength(3);
    expect(before!.match(/<tr>/g)).toHaveLength(2); // 2 columns: 2 + 1
    expect(details!.startsWith('<summary>2 more images</summary>')).toBe(true);
    expect(details!.match(/<img /g)).toHaveLength(2);
    expect(body).toContain(
      '<a href="https://img.example.com/images/2026/01/01/page-1.png"><img src="https://img.example.com/images/2026/01/01/page-1.th.png" alt="page-1.png" title="shots/page-1.png"></a><br><sub><a href="https://img.example.com/image/page-1.x1">page-1.png</a></sub>',
    );
    expect(body).toContain(
      '**5 uploaded, 0 unchanged, 0 failed** · [workflow run](https://github.example/acme/webapp/actions/runs/1)',
    );
    expect([...parseData(body).keys()]).toEqual([1, 2, 3, 4, 5].map(hex));
  });

  test('collapse-after 0 never collapses; names are escaped', () => {
    const odd = { ...image(1), name: '<script>.png', file: 'a&b/<script>.png' };
    const { body } = renderComment([odd], { ...options, collapseAfter: 0 });
    expect(body).not.toContain('<details>');
    expect(body).not.toContain('<script>');
    expect(body).toContain('alt="&lt;script&gt;.png" title="a&amp;b/&lt;script&gt;.png"');
  });

  test('shortened to the limit: as many files as fit, a note, the hidden list within half', () => {
    const results = Array.from({ length: 200 }, (_, i) => image(i));
    const max = 20_000;
    const { body, truncated } = renderComment(results, options, max);
    expect(truncated).toBe(true);
    expect(body.length).toBeLessThanOrEqual(max);
    const shown = body.match(/<img /g)!.length;
    expect(body).toContain(`Showing ${shown} of 200 files`);
    // One more file would not have fit.
    const listed = parseData(body).size;
    expect(listed).toBeGreaterThan(0);
    expect(encodeData([...parseData(body).values()]).length).toBeLessThanOrEqual(max / 2);
    expect(renderComment(results.slice(0, shown + 1), options).body.length).toBeGreaterThan(0);
    expect(body.startsWith('<!-- upshot:screenshots -->')).toBe(true);
  });

  test('counts every status', () => {
    const results: FileResult[] = [
      image(1),
      image(2, 'unchanged'),
      { file: 'x.txt', name: 'x.txt', md5: hex(9), status: 'failed', error: 'nope' },
    ];
    expect(summaryLine(results)).toBe('1 uploaded, 1 unchanged, 1 failed');
    expect(summaryLine([{ ...results[2]!, status: 'skipped' }])).toBe(
      '0 uploaded, 0 unchanged, 0 failed, 1 skipped',
    );
  });
});

test('titles from the template', () => {
  const file = {
    absolute: '/w/e2e/shots/home page.png',
    relative: 'e2e/shots/home page.png',
    name: 'home page.png',
    size: 1,
    md5: hex(1),
    reviewName: 'home page.png',
  };
  expect(renderTitle('{name}', file)).toBe('home page.png');
  expect(renderTitle('{stem} in {dir} ({path}) {unknown}', file)).toBe(
    'home page in e2e/shots (e2e/shots/home page.png) {unknown}',
  );
  expect(renderTitle('x'.repeat(150), file)).toHaveLength(100);
});

test('what is embedded and what is linked', () => {
  expect(kindOf({ type: 'image', mime: 'image/webp' })).toBe('image');
  expect(kindOf({ type: 'video', mime: 'video/mp4' })).toBe('video');
  expect(kindOf({ type: 'image', mime: 'application/octet-stream' })).toBe('file');
});

test('an expiring listed upload is uploaded again', () => {
  const listed: ListedUpload = {
    md5: hex(1),
    kind: 'image',
    mime: 'image/png',
    url: 'https://x/a.png',
    viewerUrl: '',
    thumbUrl: '',
    expiresAt: '2026-01-01 12:00:00',
  };
  const now = Date.parse('2026-01-01T10:00:00Z');
  expect(stillValid(listed, now)).toBe(true);
  expect(stillValid(listed, now + 90 * 60 * 1000)).toBe(false);
  expect(stillValid({ ...listed, expiresAt: null }, now)).toBe(true);
});

describe('renderSummary', () => {
  const many = Array.from({ length: 300 }, (_, i) => image(i));

  test('shows the whole grid and every file when it fits', () => {
    const text = renderSummary(many, ['a note'], 'https://github.example/c/1', options);
    expect(text.match(/<img /g)).toHaveLength(300);
    expect(text).not.toContain('<details><summary>2'); // nothing collapsed
    expect(text.match(/<tr><td><code>/g)).toHaveLength(300);
    expect(text).toContain('> a note');
    expect(text).toContain('[Pull request comment](https://github.example/c/1)');
  });

  test('past the limit drops the grid first, then table rows, and says so', () => {
    const full = renderSummary(many, [], null, options);
    const withoutGrid = renderSummary(many, [], null, options, full.length - 1);
    expect(withoutGrid).not.toContain('<img ');
    expect(withoutGrid).toContain('The image grid is left out');
    expect(withoutGrid.match(/<tr><td><code>/g)).toHaveLength(300);
    const small = renderSummary(many, [], null, options, 20_000);
    expect(Buffer.byteLength(small)).toBeLessThanOrEqual(20_000);
    const rows = small.match(/<tr><td><code>/g)!.length;
    expect(rows).toBeLessThan(300);
    expect(small).toContain(`Only the first ${rows} of 300 files are listed.`);
    expect(small).toContain('**300 uploaded, 0 unchanged, 0 failed**');
  });
});
