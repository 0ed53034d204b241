import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';

// Each test starts servers and real Node processes: give a slow CI core room.
setDefaultTimeout(90_000);

import { freePort } from '@upshot/server/test-support/process';
// The server's own screenshot fixtures and pixel reader (sharp lives in the server package).
import { type Block, isDiffRed, pixels, screenshot } from '../../server/test/review/fixtures.ts';
import { pullRequestEvent, pushEvent, workflowRunEvent } from './helpers/events.ts';
import type { RunResult } from './helpers/run-action.ts';
import { type Scenario, startScenario } from './helpers/scenario.ts';

/**
 * Visual review end to end: the committed dist/index.js under plain Node, the fake GitHub API
 * (every request checked against GitHub's OpenAPI description) and the real Upshot server. A
 * push to main records the baseline; a pull request then changes one screenshot, adds one and
 * removes one, and gets before | after | diff in its comment.
 */

const MAIN_SHA = '1111111111111111111111111111111111111111';
const HEAD_SHA = '3f5e0c1d2b4a69788796a5b4c3d2e1f0a9b8c7d6';
const PR = 42;
const W = 400;
const H = 250;
const CHANGE: Block = { x: 150, y: 90, w: 60, h: 30, color: '#cf222e' };
// A zip with one empty member: what a Playwright trace is, as far as the server can tell.
const TRACE = Uint8Array.from(
  Buffer.from(
    'UEsDBAoAAAAAAAAAIQAAAAAAAAAAAAAAAAAFAAAAYS50eHRQSwECFAAKAAAAAAAAACEAAAAAAAAAAAAAAAAABQAAAAAAAAAAAAAAAAAAAAAAYS50eHRQSwUGAAAAAAEAAQAzAAAAIwAAAAAA',
    'base64',
  ),
);

let scenarios: Scenario[] = [];
afterEach(async () => {
  await Promise.all(scenarios.map((s) => s.dispose()));
  scenarios = [];
});

async function scenario(env: Record<string, string> = {}) {
  const s = await startScenario({ upload: { env } });
  scenarios.push(s);
  return s;
}

const get = async (url: string) => {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    disposition: response.headers.get('content-disposition'),
    bytes: new Uint8Array(await response.arrayBuffer()),
  };
};

/** The Upshot links of a text, each once. */
const upshotLinks = (s: Scenario, text: string) => {
  const origin = s.upshot.server.url.replace(/[.:/]/g, (c) => `\\${c}`);
  return [...new Set(text.match(new RegExp(`${origin}/[^"'\\s<>)\\\\]+`, 'g')) ?? [])];
};

/** The section of a comment that starts with `heading`, up to the next heading. */
function section(body: string, heading: string): string {
  const start = body.indexOf(heading);
  if (start < 0) throw new Error(`no section ${heading}`);
  const rest = body.slice(start + heading.length);
  const next = rest.search(
    /\n(####|<details>|\*\*Files\*\*|\*\*Failed\*\*|\*\*Skipped\*\*|<!-- upshot-data)/,
  );
  return rest.slice(0, next < 0 ? undefined : next);
}

const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);

async function recordMain(s: Scenario) {
  s.write('e2e/screens/home.png', await screenshot(W, H, { seed: 1 }));
  s.write('e2e/screens/settings/dark.png', await screenshot(W, H, { seed: 2 }));
  s.write('e2e/screens/profile.png', await screenshot(W, H, { seed: 3 }));
  return s.run({
    eventName: 'push',
    event: pushEvent(MAIN_SHA, 'refs/heads/main'),
    sha: MAIN_SHA,
    inputs: { path: 'e2e/screens/**/*.png' },
    env: { GITHUB_REF: 'refs/heads/main' },
  });
}

describe('a baseline on main, then a pull request', () => {
  test('the push records the set and comments nothing; the pull request gets before, after and diff', async () => {
    const s = await scenario({ UPSHOT_FILE_UPLOADS: 'true' });

    // 1. A push to main: the set is recorded, GitHub is not even asked.
    const push = await recordMain(s);
    expect(push.stderr).toBe('');
    expect(push.exitCode).toBe(0);
    expect(s.github.requests).toEqual([]);
    expect(s.github.comments).toEqual([]);
    expect(push.summary).toContain(
      'Recorded 3 screenshots as the baseline of `main` (acme/webapp#screenshots)',
    );
    expect(push.outputs['review-url']).toBe('');
    const baseline = await (
      await fetch(
        `${s.upshot.server.url}/api/1/baselines?project=${encodeURIComponent('acme/webapp#screenshots')}&branch=main`,
        { headers: { 'X-API-Key': s.upshot.apiKey } },
      )
    ).json();
    expect(baseline.baseline.commit).toBe(MAIN_SHA);
    // Names are relative to the folder the pattern starts from.
    expect(baseline.baseline.files.map((f: { name: string }) => f.name)).toEqual([
      'home.png',
      'profile.png',
      'settings/dark.png',
    ]);
    const before = Object.fromEntries(
      baseline.baseline.files.map((f: { name: string; image: { url: string } }) => [
        f.name,
        f.image.url,
      ]),
    );

    // 2. The pull request: home.png changes, new.png is added, profile.png is gone, dark.png is
    // the same; a Playwright trace goes along as a build artifact.
    s.write('e2e/screens/home.png', await screenshot(W, H, { seed: 1, blocks: [CHANGE] }));
    s.write('e2e/screens/new.png', await screenshot(W, H, { seed: 4 }));
    s.remove('e2e/screens/profile.png');
    s.write('e2e/traces/checkout.trace.zip', TRACE);
    const run = await s.run({
      eventName: 'pull_request',
      event: pullRequestEvent({ number: PR, headSha: HEAD_SHA }),
      sha: HEAD_SHA,
      inputs: { path: 'e2e/screens/**/*.png\ne2e/traces/' },
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    expect({
      changed: run.outputs.changed,
      added: run.outputs.added,
      removed: run.outputs.removed,
      unchanged: run.outputs.unchanged,
    }).toEqual({ changed: '1', added: '1', removed: '1', unchanged: '1' });
    const reviewUrl = run.outputs['review-url']!;
    expect(reviewUrl).toStartWith(`${s.upshot.server.url}/compare/`);

    const [comment] = s.github.commentsOn(PR);
    const body = comment!.body;
    expect(body.startsWith('<!-- upshot:screenshots -->\n### Screenshots\n')).toBe(true);
    expect(body).toContain(
      `**1 changed, 1 new, 1 removed, 1 unchanged** · compared with \`main\` (1111111) · [review page](${reviewUrl})`,
    );
    // In order: changed, new, removed, unchanged (collapsed), then the other files.
    const order = [
      '#### Changed (1)',
      '#### New (1)',
      '#### Removed (1)',
      '<details><summary>1 unchanged',
      '**Files**',
    ];
    expect(order.map((h) => body.indexOf(h))).toEqual(
      [...order.map((h) => body.indexOf(h))].sort((a, b) => a - b),
    );
    expect(order.every((h) => body.includes(h))).toBe(true);

    // The changed row: before (the baseline's image), after, diff, each a working link.
    const changed = section(body, '#### Changed (1)');
    expect(changed).toContain('<th>Before</th><th>After</th><th>Diff</th>');
    expect(changed).toContain('<code>home.png</code><br><sub>1.8% changed</sub>');
    const [beforeUrl, afterUrl, diffUrl] = hrefs(changed);
    expect(beforeUrl).toBe(before['home.png']);
    const [b, a, d] = await Promise.all([get(beforeUrl!), get(afterUrl!), get(diffUrl!)]);
    expect([b.status, a.status, d.status]).toEqual([200, 200, 200]);
    expect([b.type, a.type, d.type]).toEqual(['image/png', 'image/png', 'image/png']);
    expect(b.bytes).toEqual(await screenshot(W, H, { seed: 1 }));
    expect(a.bytes).toEqual(await screenshot(W, H, { seed: 1, blocks: [CHANGE] }));

    // The diff image shows the changed region and nothing else.
    const diff = await pixels(d.bytes);
    expect([diff.width, diff.height]).toEqual([W, H]);
    const outside: string[] = [];
    let inside = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const red = isDiffRed(diff.data, (y * W + x) * 4);
        const within =
          x >= CHANGE.x && x < CHANGE.x + CHANGE.w && y >= CHANGE.y && y < CHANGE.y + CHANGE.h;
        if (red && within) inside++;
        if (red && !within) outside.push(`${x},${y}`);
      }
    }
    expect(outside).toEqual([]);
    expect(inside).toBe(CHANGE.w * CHANGE.h);

    // New, removed (linking the baseline), unchanged.
    const added = section(body, '#### New (1)');
    expect(added).toContain('<code>new.png</code>');
    const removed = section(body, '#### Removed (1)');
    expect(hrefs(removed)).toEqual([before['profile.png']]);
    expect(removed).toContain('<code>profile.png</code>');
    expect(section(body, '<details><summary>1 unchanged')).toContain(
      '<code>settings/dark.png</code>',
    );

    // The trace, a build artifact: linked in Files, served as a download.
    const files = section(body, '**Files**');
    const [traceUrl] = hrefs(files);
    expect(files).toContain('e2e/traces/checkout.trace.zip</a> <sub>application/zip</sub>');
    const trace = await get(traceUrl!);
    expect([trace.status, trace.disposition]).toEqual([
      200,
      'attachment; filename="checkout.trace.zip"',
    ]);
    expect(trace.bytes).toEqual(TRACE);

    // Every Upshot link of the comment works, the review page included.
    const links = upshotLinks(s, body);
    expect(links).toContain(reviewUrl);
    const answers = await Promise.all(links.map(async (url) => [url, (await fetch(url)).status]));
    expect(answers.filter(([, status]) => status !== 200)).toEqual([]);
    const page = await (await fetch(reviewUrl)).text();
    expect(page).toContain('1 changed, 1 new, 1 removed, 1 unchanged');

    // The job summary has the same content, and every file.
    for (const part of [
      '#### Changed (1)',
      '#### New (1)',
      '#### Removed (1)',
      '1 unchanged',
      diffUrl!,
    ]) {
      expect(run.summary).toContain(part);
    }
    expect(run.summary).toContain('e2e/traces/checkout.trace.zip');

    // 3. fail-on-change: the comment is written first, then the step fails.
    const strict = await s.run({
      eventName: 'pull_request',
      event: pullRequestEvent({ number: PR, headSha: HEAD_SHA }),
      sha: HEAD_SHA,
      inputs: { path: 'e2e/screens/**/*.png', 'fail-on-change': 'true' },
    });
    expect(strict.exitCode).toBe(1);
    expect(strict.stdout).toContain(
      '::error::Screenshots changed: 1 changed, 1 new, 1 removed, 1 unchanged (fail-on-change).',
    );
    expect(s.github.commentsOn(PR)).toHaveLength(1);
    expect(strict.outputs['comment-id']).toBe(String(comment!.id));
    expect(s.github.commentsOn(PR)[0]!.body).toContain(strict.outputs['review-url']!);
  });

  test('a fork pull request compared through workflow_run, against baseline-branch', async () => {
    const s = await startScenario({
      github: {
        pulls: [
          {
            number: 9,
            state: 'open',
            headSha: HEAD_SHA,
            headRef: 'patch-1',
            headRepo: 'mallory/webapp',
            baseRepo: 'acme/webapp',
          },
        ],
      },
    });
    scenarios.push(s);
    expect((await recordMain(s)).exitCode).toBe(0);
    s.write('e2e/screens/home.png', await screenshot(W, H, { seed: 1, blocks: [CHANGE] }));
    const run = await s.run({
      eventName: 'workflow_run',
      event: workflowRunEvent({
        headSha: HEAD_SHA,
        headBranch: 'patch-1',
        headRepo: 'mallory/webapp',
      }),
      inputs: { path: 'e2e/screens/**/*.png', 'baseline-branch': 'main', threshold: '0.05' },
    });
    expect(run.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    const [comment] = s.github.commentsOn(9);
    expect(comment!.body).toContain('**1 changed, 0 new, 0 removed, 2 unchanged**');
    expect(run.outputs.changed).toBe('1');
  });
});

describe('files, servers and GitHub', () => {
  test('a file that is not media is skipped with a notice while the server takes no artifacts', async () => {
    const s = await scenario();
    s.write('shots/home.png', await screenshot(W, H, { seed: 1 }));
    s.write('shots/run.log', 'step 1 ok\n');
    const run = await s.run({
      eventName: 'pull_request',
      event: pullRequestEvent({ number: PR, headSha: HEAD_SHA }),
      inputs: { path: 'shots/' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      '::notice::shots/run.log not uploaded: the server takes images and videos only',
    );
    const rows = JSON.parse(run.outputs.results!);
    expect(rows.map((r: { file: string; status: string }) => [r.file, r.status])).toEqual([
      ['shots/home.png', 'uploaded'],
      ['shots/run.log', 'skipped'],
    ]);
    const body = s.github.commentsOn(PR)[0]!.body;
    expect(body).toContain('1 uploaded, 0 unchanged, 0 failed, 1 skipped');
    expect(section(body, '**Skipped**')).toContain('<code>shots/run.log</code>: not uploaded');
    // No baseline of main yet: said in the comment, nothing compared.
    expect(body).toContain('> No baseline of `main` yet, so nothing was compared');
    expect(run.outputs.changed).toBe('');
  });

  test('an unreachable GitHub API: the files are uploaded first, then the step fails saying why', async () => {
    const s = await scenario();
    s.write('shots/home.png', await screenshot(W, H, { seed: 1 }));
    s.write('shots/about.png', await screenshot(W, H, { seed: 2 }));
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run: RunResult = await s.run({
      eventName: 'pull_request',
      event: pullRequestEvent({ number: PR, headSha: HEAD_SHA }),
      inputs: { path: 'shots/' },
      env: { GITHUB_API_URL: closed },
    });
    expect(run.exitCode).toBe(1);
    expect(await s.upshot.server.imageCount()).toBe(2);
    expect(run.stdout).toContain(`::error::Could not reach the GitHub API at ${closed}`);
    expect(run.stdout).toContain('ECONNREFUSED');
    expect(run.stdout).toContain('The files were uploaded');
    expect(run.outputs.urls!.split('\n')).toHaveLength(2);
    for (const url of run.outputs.urls!.split('\n')) expect((await fetch(url)).status).toBe(200);
    expect(run.summary).toContain('2 uploaded, 0 unchanged, 0 failed');
  });

  test('a full API URL given as server-url is cut back to the base, with a warning', async () => {
    const s = await scenario();
    s.write('shots/home.png', await screenshot(W, H, { seed: 1 }));
    const run = await s.run({
      eventName: 'pull_request',
      event: pullRequestEvent({ number: PR, headSha: HEAD_SHA }),
      inputs: { path: 'shots/', 'server-url': `${s.upshot.url}/api/1/upload` },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      `::warning::Input server-url is the base address of the server, not its API: using ${s.upshot.url}`,
    );
    expect(await s.upshot.server.imageCount()).toBe(1);
  });
});
