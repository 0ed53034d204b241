import { describe, expect, test } from 'bun:test';
import type { ComparedFile, Comparison, ReviewImage } from '@upshot/client';
import { type FileResult, parseData, type RenderOptions } from '../src/comment.ts';
import { formatShare, renderComparisonComment } from '../src/review.ts';

const options: RenderOptions = {
  header: 'screenshots',
  title: 'Screenshots',
  columns: 3,
  collapseAfter: 12,
  runUrl: 'https://github.example/acme/webapp/actions/runs/1',
};

const hex = (n: number) => n.toString(16).padStart(32, '0');
const BASE = 'https://screenshots.example.com/images/2026/01/01';

function image(name: string, tag: string): ReviewImage {
  const stem = `${name.replace(/\W/g, '-')}-${tag}`;
  return {
    id: `id${tag}${name.length}`,
    url: `${BASE}/${stem}.png`,
    preview_url: `${BASE}/${stem}.md.png`,
    viewer_url: `https://screenshots.example.com/image/${stem}.Ab1`,
    width: 1280,
    height: 800,
    md5: hex(name.length),
  };
}

function compared(name: string, status: ComparedFile['status']): ComparedFile {
  return {
    name,
    status,
    before: status === 'added' ? null : image(name, 'b'),
    after: status === 'removed' ? null : image(name, 'a'),
    diff: status === 'changed' ? image(name, 'd') : null,
    size_changed: false,
    changed_pixels: status === 'changed' ? 12_345 : 0,
    total_pixels: 1_024_000,
    changed_ratio: status === 'changed' ? 12_345 / 1_024_000 : 0,
  };
}

function comparison(files: ComparedFile[]): Comparison {
  const count = (s: ComparedFile['status']) => files.filter((f) => f.status === s).length;
  return {
    id: 'Xy1',
    url: 'https://screenshots.example.com/compare/Xy1',
    project: 'acme/webapp#screenshots',
    base_branch: 'main',
    head_branch: 'feature',
    commit: 'c'.repeat(40),
    pull_request: 42,
    threshold: 0.1,
    created_at: '2026-01-01 00:00:00',
    baseline: { id: 'Ab1', commit: 'b'.repeat(40), created_at: '2026-01-01 00:00:00' },
    summary: {
      changed: count('changed'),
      added: count('added'),
      removed: count('removed'),
      unchanged: count('unchanged'),
    },
    files,
  };
}

/** The uploads behind a comparison, as the action has them after uploading. */
const resultsOf = (c: Comparison): FileResult[] =>
  c.files
    .filter((f) => f.after)
    .map((f, i) => ({
      file: `e2e/screenshots/${f.name}`,
      name: f.name,
      md5: hex(i + 1),
      status: 'uploaded' as const,
      kind: 'image' as const,
      mime: 'image/png',
      url: f.after!.url,
      viewerUrl: f.after!.viewer_url,
      thumbUrl: f.after!.preview_url,
      expiresAt: null,
      id: f.after!.id,
      reviewName: f.name,
    }));

const listed = (results: FileResult[]) =>
  results.map((r) => ({
    md5: r.md5,
    kind: r.kind!,
    mime: r.mime!,
    url: r.url!,
    viewerUrl: r.viewerUrl!,
    thumbUrl: r.thumbUrl!,
    expiresAt: null,
    id: r.id!,
  }));

const name = (i: number) =>
  `a-rather-long-feature-folder/page-${String(i).padStart(3, '0')}-dashboard-dark-mode-1280x800.png`;

test('shares read as people write them', () => {
  expect(formatShare(0.5)).toBe('50%');
  expect(formatShare(0.0123)).toBe('1.23%');
  expect(formatShare(0.00012)).toBe('0.012%');
  expect(formatShare(0)).toBe('0%');
});

describe('renderComparisonComment', () => {
  test('a few files: every section with thumbnails, before | after | diff linking the full images', () => {
    const c = comparison([
      compared('home.png', 'changed'),
      compared('new.png', 'added'),
      compared('old.png', 'removed'),
      compared('same.png', 'unchanged'),
      compared('<b>odd</b>.png', 'unchanged'),
    ]);
    const results = resultsOf(c);
    const { body, truncated } = renderComparisonComment(c, results, listed(results), options);
    expect(truncated).toBe(false);
    expect(body.split('\n').filter(Boolean).slice(0, 3)).toEqual([
      '<!-- upshot:screenshots -->',
      '### Screenshots',
      '**1 changed, 1 new, 1 removed, 2 unchanged** · compared with `main` (bbbbbbb) · [review page](https://screenshots.example.com/compare/Xy1) · [workflow run](https://github.example/acme/webapp/actions/runs/1)',
    ]);
    const home = c.files[0]!;
    expect(body).toContain(
      `<tr><td><code>home.png</code><br><sub>1.21% changed</sub></td><td><a href="${home.before!.url}"><img src="${home.before!.preview_url}" width="260" alt="before: home.png"></a></td><td><a href="${home.after!.url}"><img src="${home.after!.preview_url}" width="260" alt="after: home.png"></a></td><td><a href="${home.diff!.url}"><img src="${home.diff!.preview_url}" width="260" alt="diff: home.png"></a></td></tr>`,
    );
    expect(body).toContain(`- <a href="${c.files[2]!.before!.url}"><code>old.png</code></a>`);
    expect(body).toContain('<details><summary>2 unchanged</summary>');
    expect(body).not.toContain('<b>odd</b>');
    expect(body).toContain('&lt;b&gt;odd&lt;/b&gt;.png');
    expect([...parseData(body).values()].map((u) => u.id)).toEqual(results.map((r) => r.id));
  });

  for (const [label, statusOf] of [
    [
      'a mix of statuses',
      (i: number) => (['changed', 'added', 'removed', 'unchanged', 'unchanged'] as const)[i % 5]!,
    ],
    ['all changed', () => 'changed' as const],
  ] as const) {
    test(`200 screenshots, ${label}: within GitHub's 65,536 characters, and it says what it left out`, () => {
      const c = comparison(Array.from({ length: 200 }, (_, i) => compared(name(i), statusOf(i))));
      const results = resultsOf(c);
      const { body, truncated } = renderComparisonComment(c, results, listed(results), options);
      expect(body.length).toBeLessThanOrEqual(65_536);
      expect(truncated).toBe(true);
      expect(body).toContain(
        "to stay under GitHub's comment size limit; every screenshot is on the [review page](https://screenshots.example.com/compare/Xy1)",
      );
      expect(body.startsWith('<!-- upshot:screenshots -->\n### Screenshots\n')).toBe(true);
      expect(body).toContain(`**${c.summary.changed} changed, ${c.summary.added} new`);
      // The changed files come first, as far as they fit; the hidden list survives for the next run.
      expect(body).toContain(name(0));
      expect(parseData(body).size).toBeGreaterThan(0);
    });
  }

  test('past the limit it drops thumbnails before it drops files', () => {
    const c = comparison(Array.from({ length: 20 }, (_, i) => compared(name(i), 'changed')));
    const results = resultsOf(c);
    const full = renderComparisonComment(c, results, listed(results), options);
    expect(full.truncated).toBe(false);
    const smaller = renderComparisonComment(
      c,
      results,
      listed(results),
      options,
      Math.floor(full.body.length / 2),
    );
    expect(smaller.truncated).toBe(true);
    expect(smaller.body).toContain('Thumbnails are left out');
    expect(smaller.body).not.toContain('<img ');
    for (let i = 0; i < 20; i++) expect(smaller.body).toContain(name(i));
  });
});
