import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';

// Each test starts servers and real Node processes: give a slow CI core room.
setDefaultTimeout(60_000);

import { pullRequestEvent, pushEvent, workflowRunEvent } from './helpers/events.ts';
import type { FakeGitHubOptions } from './helpers/fake-github.ts';
import { makePng } from './helpers/png.ts';
import type { RunResult } from './helpers/run-action.ts';
import { md5, type Scenario, startScenario } from './helpers/scenario.ts';
import { sha256, type UpshotOptions, videoClip } from './helpers/upshot.ts';

/**
 * End to end: the committed dist/index.js under plain Node, a fake GitHub API that checks every
 * request against GitHub's OpenAPI description, and the real Upshot server on port 0 (with a
 * real SQLite file) that stores, serves and answers for every upload.
 */

const HEAD_SHA = '3f5e0c1d2b4a69788796a5b4c3d2e1f0a9b8c7d6';
const PR = 42;
const MARKER = '<!-- upshot:screenshots -->';
const RUN_URL = 'https://github.com/acme/webapp/actions/runs/7000000001';

let scenarios: Scenario[] = [];
afterEach(async () => {
  await Promise.all(scenarios.map((s) => s.dispose()));
  scenarios = [];
});

async function scenario(options: { github?: FakeGitHubOptions; upload?: UpshotOptions } = {}) {
  const s = await startScenario(options);
  scenarios.push(s);
  return s;
}

const prEvent = () => pullRequestEvent({ number: PR, headSha: HEAD_SHA });

interface ResultRow {
  file: string;
  url: string | null;
  viewer_url: string | null;
  thumb_url: string | null;
  md5: string;
  status: string;
  error?: string;
}

const results = (run: RunResult) => JSON.parse(run.outputs.results ?? 'null') as ResultRow[];
const row = (run: RunResult, file: string) => {
  const found = results(run).find((r) => r.file === file);
  if (!found) throw new Error(`no result for ${file}`);
  return found;
};

async function get(url: string) {
  const response = await fetch(url);
  return {
    url,
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    md5: md5(new Uint8Array(await response.arrayBuffer())),
  };
}

/**
 * Each link the outputs give is the server's: the file itself serves the very bytes that were
 * uploaded, the thumbnail an image, the viewer a page; and the server stored those bytes.
 */
async function expectServed(s: Scenario, rows: ResultRow[]) {
  const stored = s.upshot.images();
  for (const r of rows.filter((r) => r.status === 'uploaded' || r.status === 'unchanged')) {
    expect(r.url).toBe(`${s.upshot.server.url}${new URL(r.url!).pathname}`);
    const image = stored.find((i) => r.url!.endsWith(`/${i.name}.${i.extension}`));
    expect([r.file, image?.uploadMd5]).toEqual([r.file, r.md5]);
    const [main, thumb, viewer] = await Promise.all([
      get(r.url!),
      get(r.thumb_url!),
      get(r.viewer_url!),
    ]);
    expect({ ...main, url: r.file }).toEqual({
      url: r.file,
      status: 200,
      type: image!.mime,
      md5: r.md5,
    });
    expect([thumb.status, thumb.type.split('/')[0]]).toEqual([200, 'image']);
    expect([viewer.status, viewer.type.split(';')[0]]).toEqual([200, 'text/html']);
  }
}

/** Every Upshot link in a comment (the grid, the links, the hidden list) answers 200. */
async function expectLinksServe(s: Scenario, body: string) {
  const origin = s.upshot.server.url.replace(/[.:/]/g, (c) => `\\${c}`);
  const urls = [...new Set(body.match(new RegExp(`${origin}/[^"'\\s<>)\\\\]+`, 'g')) ?? [])];
  expect(urls.length).toBeGreaterThan(0);
  const answers = await Promise.all(urls.map(get));
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  return urls;
}

/** The links of result rows, each once. */
const linksOf = (rows: ResultRow[]) =>
  [...new Set(rows.flatMap((r) => [r.url, r.viewer_url, r.thumb_url]))]
    .filter((url): url is string => Boolean(url))
    .sort();

const DELETE_URL = /^(.+)\/(?:image|video)\/[^/]+\/delete\/([0-9a-f]+)$/;

/**
 * No secret shows up anywhere a person or a later step can read it: not the keys, not a delete
 * URL. Each delete URL the server handed out since `tokensBefore` was masked by the run that
 * got it (the server keeps only their hashes, so they are matched through the masks).
 */
function expectNoLeaks(
  s: Scenario,
  runs: RunResult | RunResult[],
  { tokensBefore = 0, keyGiven = true } = {},
) {
  const all = Array.isArray(runs) ? runs : [runs];
  const comments = s.github.comments.map((c) => c.body);
  const maskedTokens: string[] = [];
  for (const run of all) {
    const readable = [
      run.visibleLog,
      run.stderr,
      JSON.stringify(run.outputs),
      run.summary,
      ...comments,
    ].join('\n');
    expect(readable).not.toContain('/delete/');
    const tokens = run.masked.flatMap((m) => {
      const match = DELETE_URL.exec(m);
      return match && match[1] === s.upshot.server.url ? [match[2] as string] : [];
    });
    for (const token of tokens) expect(readable).not.toContain(token);
    maskedTokens.push(...tokens);
    expect(readable).not.toContain(s.upshot.apiKey);
    expect(readable).not.toContain(s.github.token);
    if (keyGiven) expect(run.masked).toContain(s.upshot.apiKey);
    expect(run.masked).toContain(s.github.token);
  }
  expect(maskedTokens.map(sha256).sort()).toEqual(
    s.upshot.deleteTokenHashes().slice(tokensBefore).sort(),
  );
}

async function writeScreenshots(s: Scenario) {
  return {
    'e2e/screenshots/home.png': s.write('e2e/screenshots/home.png', makePng(64, 40, 1)),
    'e2e/screenshots/profile.png': s.write('e2e/screenshots/profile.png', makePng(64, 40, 2)),
    'e2e/screenshots/settings.png': s.write('e2e/screenshots/settings.png', makePng(64, 40, 3)),
    'e2e/videos/checkout.mp4': s.write('e2e/videos/checkout.mp4', await videoClip()),
  };
}

const PATHS = 'e2e/screenshots/**/*.png\ne2e/videos/\n!e2e/screenshots/debug/**';

describe('first and second run on a pull request', () => {
  test('the first run uploads everything and creates one comment; the second uploads only the changed file and updates it', async () => {
    const s = await scenario();
    const files = await writeScreenshots(s);
    s.write('e2e/screenshots/debug/trace.png', makePng(8, 8, 99)); // excluded by the `!` line
    // Someone else's comments, one quoting the marker: the action must page past them and leave them alone.
    for (let i = 0; i < 3; i++) s.github.seedComment({ issue_number: PR, body: `LGTM ${i}` });
    const quoted = s.github.seedComment({ issue_number: PR, body: `copied: ${MARKER}` });

    const first = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: PATHS },
    });
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);

    // What the server stored: the four files, once each, titled by the default `{name}`.
    expect(s.upshot.uploads()).toBe(4);
    expect(
      s.upshot
        .images()
        .map((i) => [i.originalFilename, i.title, i.type, i.uploadMd5])
        .sort(),
    ).toEqual([
      ['checkout.mp4', 'checkout.mp4', 'video', files['e2e/videos/checkout.mp4']],
      ['home.png', 'home.png', 'image', files['e2e/screenshots/home.png']],
      ['profile.png', 'profile.png', 'image', files['e2e/screenshots/profile.png']],
      ['settings.png', 'settings.png', 'image', files['e2e/screenshots/settings.png']],
    ]);

    const order = Object.keys(files).sort() as Array<keyof typeof files>;
    expect(results(first).map((r) => [r.file, r.md5, r.status])).toEqual(
      order.map((f) => [f, files[f], 'uploaded']),
    );
    await expectServed(s, results(first));

    const ours = s.github.commentsOn(PR).filter((c) => c.user.type === 'Bot');
    expect(ours).toHaveLength(1);
    const comment = ours[0]!;
    expect(comment.body.startsWith(`${MARKER}\n### Screenshots`)).toBe(true);
    expect(comment.body).toContain('**4 uploaded, 0 unchanged, 0 failed**');
    expect(comment.body).toContain(`[workflow run](${RUN_URL})`);
    for (const file of [
      'e2e/screenshots/home.png',
      'e2e/screenshots/profile.png',
      'e2e/screenshots/settings.png',
    ] as const) {
      const image = row(first, file);
      expect(comment.body).toContain(
        `<a href="${image.url}"><img src="${image.thumb_url}" alt="${file.split('/').at(-1)}"`,
      );
    }
    // The real clip: the server made it a video (with a frame for a thumbnail); it is linked.
    const video = row(first, 'e2e/videos/checkout.mp4');
    expect(comment.body).not.toContain(`<img src="${video.thumb_url}"`);
    expect(comment.body).toContain(
      `- video: <a href="${video.viewer_url}">e2e/videos/checkout.mp4</a>`,
    );
    expect(comment.body).not.toContain('trace.png');
    // The comment links to the file, thumbnail and viewer of each upload, and nothing else there.
    expect((await expectLinksServe(s, comment.body)).sort()).toEqual(linksOf(results(first)));
    // Untouched: other people's comments, even one that quotes the marker.
    expect(s.github.comments.find((c) => c.id === quoted.id)?.body).toBe(`copied: ${MARKER}`);
    expect(s.github.commentsOn(PR)).toHaveLength(5);

    expect(first.outputs.urls).toBe(order.map((f) => row(first, f).url).join('\n'));
    expect(first.outputs['comment-id']).toBe(String(comment.id));
    expect(first.outputs['comment-url']).toBe(
      `${s.github.origin}/acme/webapp/pull/${PR}#issuecomment-${comment.id}`,
    );
    expect(first.summary).toContain('4 uploaded, 0 unchanged, 0 failed');
    for (const f of order) expect(first.summary).toContain(f);
    expect(first.summary).toContain(
      `<img src="${row(first, 'e2e/screenshots/home.png').thumb_url}"`,
    );
    expectNoLeaks(s, first);

    // Second run: the settings page changed.
    files['e2e/screenshots/settings.png'] = s.write(
      'e2e/screenshots/settings.png',
      makePng(64, 40, 4),
    );
    const requestsBefore = s.github.requests.length;
    const tokensBefore = s.upshot.deleteTokenHashes().length;
    const second = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: PATHS },
    });
    expect(second.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    // One more upload reached the server, and it was the changed file.
    expect(s.upshot.uploads()).toBe(5);
    const stored = s.upshot.images();
    expect(stored).toHaveLength(5);
    expect([stored.at(-1)?.originalFilename, stored.at(-1)?.uploadMd5]).toEqual([
      'settings.png',
      files['e2e/screenshots/settings.png'],
    ]);

    const after = s.github.commentsOn(PR).filter((c) => c.user.type === 'Bot');
    expect(after.map((c) => c.id)).toEqual([comment.id]);
    expect(after[0]!.body).toContain('**1 uploaded, 3 unchanged, 0 failed**');
    const newSettings = row(second, 'e2e/screenshots/settings.png');
    expect(newSettings.url).not.toBe(row(first, 'e2e/screenshots/settings.png').url);
    expect(after[0]!.body).toContain(`<img src="${newSettings.thumb_url}"`);
    expect((await expectLinksServe(s, after[0]!.body)).sort()).toEqual(linksOf(results(second)));
    const writes = s.github.requests.slice(requestsBefore).filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH /repos/acme/webapp/issues/comments/${comment.id}`,
    ]);
    expect(results(second).map((r) => [r.file, r.md5, r.status])).toEqual(
      order.map((f) => [
        f,
        files[f],
        f === 'e2e/screenshots/settings.png' ? 'uploaded' : 'unchanged',
      ]),
    );
    // The unchanged files keep the links of the first run.
    for (const f of order.filter((f) => f !== 'e2e/screenshots/settings.png')) {
      expect(row(second, f)).toEqual({ ...row(first, f), status: 'unchanged' });
    }
    await expectServed(s, results(second));
    expect(second.outputs['comment-id']).toBe(String(comment.id));
    expectNoLeaks(s, second, { tokensBefore });
  });

  test('two runs at once end with one comment', async () => {
    // Both runs are held at their first listing until both have asked: both see no comment and both create.
    const s = await scenario({ github: { holdFirstListings: 2 } });
    await writeScreenshots(s);
    const [a, b] = await Promise.all([
      s.run({ eventName: 'pull_request', event: prEvent(), inputs: { path: PATHS } }),
      s.run({ eventName: 'pull_request', event: prEvent(), inputs: { path: PATHS } }),
    ]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect(s.github.violations).toEqual([]);
    const creates = s.github.requests.filter((r) => r.method === 'POST');
    expect(creates).toHaveLength(2);
    const left = s.github.commentsOn(PR);
    expect(left).toHaveLength(1);
    const createdIds = s.github.requests
      .filter((r) => r.method === 'DELETE')
      .map((r) => Number(r.path.split('/').at(-1)));
    expect(createdIds.length).toBeGreaterThanOrEqual(1);
    expect(createdIds).not.toContain(left[0]!.id);
    // Both runs report the comment that was kept.
    expect([a.outputs['comment-id'], b.outputs['comment-id']]).toEqual([
      String(left[0]!.id),
      String(left[0]!.id),
    ]);
    expect(left[0]!.body).toContain('4 uploaded, 0 unchanged, 0 failed');
    // Both runs uploaded all four files to the server, at the same time.
    expect(s.upshot.uploads()).toBe(8);
    // What the links serve is not checked here: when uploads of one file name race, the server
    // may answer 500 to one and delete the files of the other, which it answered 200 for (a
    // server bug, reported; the names are picked before the row goes in, and the loser's
    // clean-up removes the winner's files).
    expectNoLeaks(s, [a, b]);
  });

  test('comments with different headers stay separate, and leftovers of an earlier race are cleaned up', async () => {
    const s = await scenario({ github: { maxPerPage: 3 } });
    await writeScreenshots(s);
    const chromium = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: {
        path: PATHS,
        'comment-header': 'screenshots-chromium',
        'comment-title': 'Chromium',
      },
    });
    const firefox = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: PATHS, 'comment-header': 'screenshots-firefox', 'comment-title': 'Firefox' },
    });
    expect([chromium.exitCode, firefox.exitCode]).toEqual([0, 0]);
    expect(s.github.commentsOn(PR).map((c) => c.body.split('\n')[0])).toEqual([
      '<!-- upshot:screenshots-chromium -->',
      '<!-- upshot:screenshots-firefox -->',
    ]);
    // A duplicate left by a crashed run: the next run keeps the oldest and removes it.
    const leftover = s.github.seedComment({
      issue_number: PR,
      body: '<!-- upshot:screenshots-firefox -->\nstale',
      user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
    });
    const again = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: PATHS, 'comment-header': 'screenshots-firefox', 'comment-title': 'Firefox' },
    });
    expect(again.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    expect(s.github.comments.map((c) => c.id)).not.toContain(leftover.id);
    expect(s.github.commentsOn(PR)).toHaveLength(2);
    expect(again.outputs['comment-id']).toBe(firefox.outputs['comment-id']);
    expect(s.github.commentsOn(PR)[1]!.body).toContain('0 uploaded, 4 unchanged, 0 failed');
  });

  test('comment: new posts a comment every run; comment: off only writes the summary', async () => {
    const s = await scenario();
    await writeScreenshots(s);
    for (let i = 0; i < 2; i++) {
      const run = await s.run({
        eventName: 'pull_request',
        event: prEvent(),
        inputs: { path: PATHS, comment: 'new' },
      });
      expect(run.exitCode).toBe(0);
    }
    expect(s.github.commentsOn(PR)).toHaveLength(2);
    expect(s.github.commentsOn(PR)[1]!.body).toContain('0 uploaded, 4 unchanged, 0 failed');
    const requests = s.github.requests.length;
    const off = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: PATHS, comment: 'off' },
    });
    expect(off.exitCode).toBe(0);
    expect(s.github.requests.length).toBe(requests);
    expect(off.outputs['comment-id']).toBe('');
    expect(off.summary).toContain('4 uploaded, 0 unchanged, 0 failed');
    expect(s.github.violations).toEqual([]);
  });

  test('a personal access token is matched by its login', async () => {
    const s = await scenario({
      github: { identity: { login: 'release-bot-user', id: 77, type: 'User' } },
    });
    await writeScreenshots(s);
    // A marker comment from another bot must not be taken for ours.
    s.github.seedComment({
      issue_number: PR,
      body: `${MARKER}\nnot ours`,
      user: { login: 'other[bot]', id: 5, type: 'Bot' },
    });
    const first = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: PATHS },
    });
    const second = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: PATHS },
    });
    expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
    expect(s.github.violations).toEqual([]);
    const bodies = s.github.commentsOn(PR).map((c) => `${c.user.login}: ${c.body.split('\n')[1]}`);
    expect(bodies).toEqual(['other[bot]: not ours', 'release-bot-user: ### Screenshots']);
    expect(second.outputs['comment-id']).toBe(first.outputs['comment-id']);
  });
});

describe('forks and read-only tokens', () => {
  test('a fork pull request with an empty api-key warns, writes the summary and does not fail', async () => {
    const s = await scenario({ github: { readOnly: true } });
    const files = await writeScreenshots(s);
    const run = await s.run({
      eventName: 'pull_request',
      event: pullRequestEvent({ number: PR, headSha: HEAD_SHA, headRepo: 'contributor/webapp' }),
      inputs: { path: PATHS, 'api-key': '' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('::warning::The api-key input is empty');
    expect([s.upshot.uploads(), await s.upshot.server.imageCount()]).toEqual([0, 0]);
    expect(s.github.requests).toEqual([]);
    expect(results(run)).toEqual(
      Object.keys(files)
        .sort()
        .map((f) => ({
          file: f,
          url: null,
          viewer_url: null,
          thumb_url: null,
          md5: files[f as keyof typeof files],
          status: 'skipped',
        })),
    );
    expect(run.outputs.urls).toBe('');
    expect(run.summary).toContain('The api-key input is empty');
    expect(run.summary).toContain('0 uploaded, 0 unchanged, 0 failed, 4 skipped');
    expectNoLeaks(s, run, { keyGiven: false });
  });

  test('a read-only token: uploads succeed, the refused comment is a warning, the summary has the images', async () => {
    const s = await scenario({ github: { readOnly: true } });
    await writeScreenshots(s);
    const run = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: PATHS },
    });
    expect(run.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    expect(run.stdout).toContain('::warning::Commenting on pull request #42 was refused');
    expect(run.stdout).toContain('Resource not accessible by integration');
    expect(s.github.comments).toEqual([]);
    expect([s.upshot.uploads(), await s.upshot.server.imageCount()]).toEqual([4, 4]);
    expect(run.outputs['comment-id']).toBe('');
    await expectServed(s, results(run));
    expect(run.summary).toContain(`<img src="${row(run, 'e2e/screenshots/home.png').thumb_url}"`);
    await expectLinksServe(s, run.summary);
    expect(run.summary).toContain('Commenting on pull request #42 was refused');
    expectNoLeaks(s, run);
  });
});

describe('where the pull request comes from', () => {
  // compare: off keeps a push run upload-only; with compare: auto it records a baseline instead.
  test('a push with no pull request: no comment, the job summary only', async () => {
    const s = await scenario({
      github: {
        pulls: [
          {
            number: 7,
            state: 'closed',
            headSha: HEAD_SHA,
            headRef: 'old',
            headRepo: 'acme/webapp',
            baseRepo: 'acme/webapp',
          },
        ],
      },
    });
    await writeScreenshots(s);
    const run = await s.run({
      eventName: 'push',
      event: pushEvent(HEAD_SHA),
      sha: HEAD_SHA,
      inputs: { path: PATHS, compare: 'off' },
    });
    expect(run.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    expect(s.github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/acme/webapp/commits/${HEAD_SHA}/pulls`,
    ]);
    expect(s.github.comments).toEqual([]);
    expect(run.outputs['comment-id']).toBe('');
    expect(run.summary).toContain('No pull request is associated with this run');
    expect(run.summary).toContain('4 uploaded, 0 unchanged, 0 failed');
    expect(s.upshot.uploads()).toBe(4);
    await expectServed(s, results(run));
    await expectLinksServe(s, run.summary);
    expectNoLeaks(s, run);
  });

  test('a push to a pull request branch comments on the open pull request of that commit', async () => {
    const s = await scenario({
      github: {
        pulls: [
          {
            number: 5,
            state: 'closed',
            headSha: HEAD_SHA,
            headRef: 'feature/settings',
            headRepo: 'acme/webapp',
            baseRepo: 'acme/webapp',
          },
          {
            number: PR,
            state: 'open',
            headSha: HEAD_SHA,
            headRef: 'feature/settings',
            headRepo: 'acme/webapp',
            baseRepo: 'acme/webapp',
          },
        ],
      },
    });
    await writeScreenshots(s);
    const run = await s.run({
      eventName: 'push',
      event: pushEvent(HEAD_SHA, 'refs/heads/feature/settings'),
      sha: HEAD_SHA,
      inputs: { path: PATHS, compare: 'off' },
    });
    expect(run.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    expect(s.github.comments.map((c) => c.issue_number)).toEqual([PR]);
  });

  test('a workflow_run from a fork finds the pull request by the head repository and branch', async () => {
    const s = await scenario({
      github: {
        maxPerPage: 1,
        pulls: [
          // Same branch name in the base repository: not this one.
          {
            number: 3,
            state: 'open',
            headSha: 'd'.repeat(40),
            headRef: 'patch-1',
            headRepo: 'acme/webapp',
            baseRepo: 'acme/webapp',
          },
          {
            number: 8,
            state: 'open',
            headSha: 'e'.repeat(40),
            headRef: 'patch-1',
            headRepo: 'contributor/webapp',
            baseRepo: 'acme/webapp',
          },
          {
            number: 9,
            state: 'open',
            headSha: HEAD_SHA,
            headRef: 'patch-1',
            headRepo: 'contributor/webapp',
            baseRepo: 'acme/webapp',
          },
        ],
      },
    });
    await writeScreenshots(s);
    const run = await s.run({
      eventName: 'workflow_run',
      event: workflowRunEvent({
        headSha: HEAD_SHA,
        headBranch: 'patch-1',
        headRepo: 'contributor/webapp',
      }),
      inputs: { path: PATHS },
    });
    expect(run.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    expect(s.github.comments.map((c) => c.issue_number)).toEqual([9]);
    expect(run.stdout).toContain('Pull request #9 (open pull request from contributor:patch-1)');
    expect(s.upshot.uploads()).toBe(4);
    expect(s.github.comments[0]!.body).toContain('4 uploaded, 0 unchanged, 0 failed');
    await expectLinksServe(s, s.github.comments[0]!.body);
    expectNoLeaks(s, run);
    // The pulls list was paged (one a page) with the head filter GitHub documents.
    const lists = s.github.requests.filter((r) => r.path === '/repos/acme/webapp/pulls');
    expect(lists.length).toBe(2);
    expect(new URLSearchParams(lists[0]!.query).get('head')).toBe('contributor:patch-1');
  });

  test('a workflow_run whose branch is gone falls back to the head sha', async () => {
    const s = await scenario({
      github: {
        pulls: [
          {
            number: 11,
            state: 'open',
            headSha: HEAD_SHA,
            headRef: 'renamed',
            headRepo: 'contributor/webapp',
            baseRepo: 'acme/webapp',
          },
        ],
      },
    });
    await writeScreenshots(s);
    const run = await s.run({
      eventName: 'workflow_run',
      event: workflowRunEvent({
        headSha: HEAD_SHA,
        headBranch: 'patch-1',
        headRepo: 'contributor/webapp',
      }),
      inputs: { path: PATHS },
    });
    expect(run.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    expect(s.github.comments.map((c) => c.issue_number)).toEqual([11]);
  });

  test('a workflow_run from the same repository uses its pull_requests list', async () => {
    const s = await scenario();
    await writeScreenshots(s);
    const run = await s.run({
      eventName: 'workflow_run',
      event: workflowRunEvent({
        headSha: HEAD_SHA,
        headBranch: 'feature/settings',
        headRepo: 'acme/webapp',
        pullRequests: [{ number: PR, headSha: HEAD_SHA, headRef: 'feature/settings' }],
      }),
      inputs: { path: PATHS },
    });
    expect(run.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    expect(s.github.comments.map((c) => c.issue_number)).toEqual([PR]);
    expect(s.github.requests.some((r) => r.path.endsWith('/pulls'))).toBe(false);
  });

  test('GitHub Enterprise: the API base with a path prefix comes from GITHUB_API_URL', async () => {
    const s = await scenario({ github: { prefix: '/api/v3' } });
    await writeScreenshots(s);
    const run = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      serverUrl: 'https://ghes.acme.internal',
      inputs: { path: PATHS },
    });
    expect(run.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    expect(s.github.requests.length).toBeGreaterThan(0);
    expect(s.github.requests.every((r) => r.path.startsWith('/api/v3/'))).toBe(true);
    const [comment] = s.github.comments;
    expect(comment?.body).toContain(
      '[workflow run](https://ghes.acme.internal/acme/webapp/actions/runs/7000000001)',
    );
    expect(comment?.body).not.toContain('github.com');
    expect(comment?.body).toContain('4 uploaded, 0 unchanged, 0 failed');
    await expectLinksServe(s, comment!.body);
    expectNoLeaks(s, run);
  });
});

describe('uploads', () => {
  test('an upload server that answers 503 twice then 200 succeeds through the retries', async () => {
    // A front that answers 503 twice, then forwards to the real server.
    const s = await scenario({ upload: { failFirst: 2 } });
    const sum = s.write('shots/only.png', makePng(32, 32, 5));
    const run = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      // Only the upload goes through the front here: no baseline look-up.
      inputs: { path: 'shots/*.png', compare: 'off' },
    });
    expect(run.exitCode).toBe(0);
    expect(s.upshot.front).toEqual([503, 503, 200]);
    expect(s.upshot.uploads()).toBe(1);
    expect(results(run).map((r) => [r.file, r.md5, r.status])).toEqual([
      ['shots/only.png', sum, 'uploaded'],
    ]);
    await expectServed(s, results(run));
    expect(run.stdout).toContain('shots/only.png: attempt 2 failed');
    expect(s.github.comments[0]?.body).toContain('1 uploaded, 0 unchanged, 0 failed');
    await expectLinksServe(s, s.github.comments[0]!.body);
    expectNoLeaks(s, run);
  });

  test('a failed upload fails the step, after commenting on what worked', async () => {
    const s = await scenario();
    const good = s.write('shots/good.png', makePng(16, 16, 1));
    // Named as an image, but not one: a real failure (a .txt would be skipped with a notice).
    const notes = s.write('shots/notes.png', 'not an image');
    const run = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: 'shots/*' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('::error::1 of 2 uploads failed.');
    const [goodRow, notesRow] = results(run);
    expect([goodRow?.file, goodRow?.md5, goodRow?.status]).toEqual([
      'shots/good.png',
      good,
      'uploaded',
    ]);
    await expectServed(s, [goodRow!]);
    expect(notesRow).toEqual({
      file: 'shots/notes.png',
      url: null,
      viewer_url: null,
      thumb_url: null,
      md5: notes,
      status: 'failed',
      error: "Can't get target upload source info (HTTP 415, code 610)",
    });
    // The server refused it: nothing stored, no delete token handed out.
    expect([s.upshot.uploads(), await s.upshot.server.imageCount()]).toEqual([1, 1]);
    expectNoLeaks(s, run);
    const body = s.github.comments[0]!.body;
    expect(body).toContain('1 uploaded, 0 unchanged, 1 failed');
    expect(body).toContain(
      '- <code>shots/notes.png</code>: Can&#39;t get target upload source info (HTTP 415, code 610)',
    );
  });

  test('fail-on-upload-error: false only warns', async () => {
    const s = await scenario();
    s.write('shots/good.png', makePng(16, 16, 1));
    s.write('shots/notes.png', 'not an image');
    const run = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: 'shots/*', 'fail-on-upload-error': 'false' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('::warning::1 of 2 uploads failed.');
  });

  test('a comment too long is shortened to fit; the job summary lists every file', async () => {
    const s = await scenario({ github: { maxPerPage: 100 } });
    const count = 320;
    for (let i = 0; i < count; i++) {
      s.write(
        `e2e/screenshots/a-rather-long-directory-name/${String(i).padStart(3, '0')}-dashboard-dark-mode-1280x720.png`,
        makePng(4, 4, i),
      );
    }
    const run = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: 'e2e/screenshots', concurrency: '16' },
    });
    expect(run.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    expect([s.upshot.uploads(), await s.upshot.server.imageCount()]).toEqual([count, count]);
    const [comment] = s.github.comments;
    expect(comment!.body.length).toBeLessThanOrEqual(65_536);
    expect(comment!.body.length).toBeGreaterThan(40_000);
    const shown = comment!.body.match(/<img /g)?.length ?? 0;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(count);
    expect(comment!.body).toContain(`Showing ${shown} of ${count} files`);
    expect(comment!.body).toContain(`${count} uploaded, 0 unchanged, 0 failed`);
    expect(run.summary).toContain(
      "The pull request comment was shortened to fit GitHub's size limit",
    );
    for (let i = 0; i < count; i++) {
      expect(run.summary).toContain(
        `${String(i).padStart(3, '0')}-dashboard-dark-mode-1280x720.png`,
      );
    }
    expect(results(run)).toHaveLength(count);
    await expectLinksServe(s, comment!.body);
    expectNoLeaks(s, run);
    const tokensBefore = s.upshot.deleteTokenHashes().length;

    // The hidden list keeps as many files as fit in half the comment, the first ones first.
    const data = /<!-- upshot-data (.+) -->/.exec(comment!.body)?.[1] ?? '{}';
    const listed = (JSON.parse(data) as { files: unknown[] }).files.length;
    expect(listed).toBeGreaterThan(count / 4);
    expect(listed).toBeLessThan(count);

    // The next run finds exactly those files unchanged, and uploads the rest again.
    const again = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: 'e2e/screenshots', concurrency: '16' },
    });
    expect(again.exitCode).toBe(0);
    const rows = results(again);
    expect(rows.map((r) => r.status)).toEqual([
      ...Array<string>(listed).fill('unchanged'),
      ...Array<string>(count - listed).fill('uploaded'),
    ]);
    expect(s.upshot.uploads()).toBe(count + (count - listed));
    // The server knew those bytes: it answered with the images it already had.
    expect(await s.upshot.server.imageCount()).toBe(count);
    expect(rows.map((r) => r.url)).toEqual(results(run).map((r) => r.url));
    expect(s.github.comments).toHaveLength(1);
    expectNoLeaks(s, again, { tokensBefore });
  });
});

describe('if-no-files-found', () => {
  const noFiles = async (mode: string) => {
    const s = await scenario();
    s.write('other/readme.txt', 'nothing to see');
    const run = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: 'screenshots/**/*.png', 'if-no-files-found': mode },
    });
    expect([s.upshot.uploads(), await s.upshot.server.imageCount()]).toEqual([0, 0]);
    expect(s.github.requests).toEqual([]);
    return run;
  };

  test('warn (the default) warns and succeeds', async () => {
    const run = await noFiles('warn');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      '::warning::No files were found with the provided path: screenshots/**/*.png',
    );
    expect(run.summary).toContain('No files were found');
    expect(run.outputs.results).toBe('[]');
  });

  test('error fails the step', async () => {
    const run = await noFiles('error');
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(
      '::error::No files were found with the provided path: screenshots/**/*.png',
    );
    expect(run.stdout).not.toContain('::warning::');
  });

  test('ignore says it in the log only', async () => {
    const run = await noFiles('ignore');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toContain('::warning::');
    expect(run.stdout).not.toContain('::error::');
    expect(run.stdout).toContain('No files were found');
  });
});

test('invalid inputs fail the step with one clear error', async () => {
  const s = await scenario();
  s.write('shots/a.png', makePng(4, 4, 1));
  const run = await s.run({
    eventName: 'pull_request',
    event: prEvent(),
    inputs: { path: 'shots', comment: 'sometimes' },
  });
  expect(run.exitCode).toBe(1);
  expect(run.stdout.match(/::error::/g)).toHaveLength(1);
  expect(run.stdout).toContain(
    '::error::Input comment must be one of update, new, off; got "sometimes"',
  );
  expect([s.upshot.uploads(), await s.upshot.server.imageCount()]).toEqual([0, 0]);
});
