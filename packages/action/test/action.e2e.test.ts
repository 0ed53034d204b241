import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';

// Each test starts servers and real Node processes: give a slow CI core room.
setDefaultTimeout(60_000);

import { pullRequestEvent, pushEvent, workflowRunEvent } from './helpers/events.ts';
import type { FakeGitHubOptions } from './helpers/fake-github.ts';
import { makeMp4Header, makePng } from './helpers/png.ts';
import type { RunResult } from './helpers/run-action.ts';
import { type Scenario, startScenario } from './helpers/scenario.ts';
import type { UploadServerOptions } from './helpers/upload-server.ts';

/**
 * End to end: the committed dist/index.js under plain Node, a fake GitHub API that checks every
 * request against GitHub's OpenAPI description, and an upload server speaking the contract.
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

async function scenario(
  options: { github?: FakeGitHubOptions; upload?: UploadServerOptions } = {},
) {
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

/** What the outputs must say for files the server took, from the server's own replies. */
function expectedRow(
  s: Scenario,
  file: string,
  md5: string,
  status: 'uploaded' | 'unchanged',
): ResultRow {
  const image = s.upshot.images.get(md5);
  if (!image) throw new Error(`the server never answered for ${file}`);
  return {
    file,
    url: image.url,
    viewer_url: image.url_viewer,
    thumb_url: image.thumb.url,
    md5,
    status,
  };
}

/** No secret shows up anywhere a person or a later step can read it. */
function expectNoLeaks(s: Scenario, run: RunResult, issuedBefore = 0) {
  const readable = [
    run.visibleLog,
    run.stderr,
    JSON.stringify(run.outputs),
    run.summary,
    ...s.github.comments.map((c) => c.body),
  ].join('\n');
  s.upshot.deleteUrls.forEach((url, i) => {
    expect(readable).not.toContain(url);
    expect(readable).not.toContain(url.split('/delete/')[1] as string);
    // Masked by the run that received it.
    if (i >= issuedBefore) expect(run.masked).toContain(url);
  });
  expect(readable).not.toContain(s.upshot.apiKey);
  expect(readable).not.toContain(s.github.token);
  if (s.upshot.apiKey) expect(run.masked).toContain(s.upshot.apiKey);
  expect(run.masked).toContain(s.github.token);
}

function writeScreenshots(s: Scenario) {
  return {
    'e2e/screenshots/home.png': s.write('e2e/screenshots/home.png', makePng(64, 40, 1)),
    'e2e/screenshots/profile.png': s.write('e2e/screenshots/profile.png', makePng(64, 40, 2)),
    'e2e/screenshots/settings.png': s.write('e2e/screenshots/settings.png', makePng(64, 40, 3)),
    'e2e/videos/checkout.mp4': s.write('e2e/videos/checkout.mp4', makeMp4Header(1)),
  };
}

const PATHS = 'e2e/screenshots/**/*.png\ne2e/videos/\n!e2e/screenshots/debug/**';

describe('first and second run on a pull request', () => {
  test('the first run uploads everything and creates one comment; the second uploads only the changed file and updates it', async () => {
    const s = await scenario();
    const files = writeScreenshots(s);
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

    expect(
      s.upshot
        .stored()
        .map((u) => u.filename)
        .sort(),
    ).toEqual(['checkout.mp4', 'home.png', 'profile.png', 'settings.png']);
    // title-template defaults to {name}
    expect(
      s.upshot
        .stored()
        .map((u) => u.title)
        .sort(),
    ).toEqual(['checkout.mp4', 'home.png', 'profile.png', 'settings.png']);

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
      const image = s.upshot.images.get(files[file])!;
      expect(comment.body).toContain(
        `<a href="${image.url}"><img src="${image.thumb.url}" alt="${file.split('/').at(-1)}"`,
      );
    }
    const video = s.upshot.images.get(files['e2e/videos/checkout.mp4'])!;
    expect(comment.body).not.toContain(`<img src="${video.thumb.url}"`);
    expect(comment.body).toContain(
      `- video: <a href="${video.url_viewer}">e2e/videos/checkout.mp4</a>`,
    );
    expect(comment.body).not.toContain('trace.png');
    // Untouched: other people's comments, even one that quotes the marker.
    expect(s.github.comments.find((c) => c.id === quoted.id)?.body).toBe(`copied: ${MARKER}`);
    expect(s.github.commentsOn(PR)).toHaveLength(5);

    const order = Object.keys(files).sort();
    expect(results(first)).toEqual(
      order.map((f) => expectedRow(s, f, files[f as keyof typeof files], 'uploaded')),
    );
    expect(first.outputs.urls).toBe(
      order.map((f) => s.upshot.images.get(files[f as keyof typeof files])!.url).join('\n'),
    );
    expect(first.outputs['comment-id']).toBe(String(comment.id));
    expect(first.outputs['comment-url']).toBe(
      `${s.github.origin}/acme/webapp/pull/${PR}#issuecomment-${comment.id}`,
    );
    expect(first.summary).toContain('4 uploaded, 0 unchanged, 0 failed');
    for (const f of order) expect(first.summary).toContain(f);
    expect(first.summary).toContain(
      `<img src="${s.upshot.images.get(files['e2e/screenshots/home.png'])!.thumb.url}"`,
    );
    expectNoLeaks(s, first);

    // Second run: the settings page changed.
    files['e2e/screenshots/settings.png'] = s.write(
      'e2e/screenshots/settings.png',
      makePng(64, 40, 4),
    );
    const requestsBefore = s.github.requests.length;
    const deleteUrlsBefore = s.upshot.deleteUrls.length;
    const second = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: PATHS },
    });
    expect(second.exitCode).toBe(0);
    expect(s.github.violations).toEqual([]);
    expect(s.upshot.stored()).toHaveLength(5);
    expect(s.upshot.stored().at(-1)?.md5).toBe(files['e2e/screenshots/settings.png']);

    const after = s.github.commentsOn(PR).filter((c) => c.user.type === 'Bot');
    expect(after.map((c) => c.id)).toEqual([comment.id]);
    expect(after[0]!.body).toContain('**1 uploaded, 3 unchanged, 0 failed**');
    const newSettings = s.upshot.images.get(files['e2e/screenshots/settings.png'])!;
    expect(after[0]!.body).toContain(`<img src="${newSettings.thumb.url}"`);
    const writes = s.github.requests.slice(requestsBefore).filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH /repos/acme/webapp/issues/comments/${comment.id}`,
    ]);
    expect(results(second)).toEqual(
      order.map((f) =>
        expectedRow(
          s,
          f,
          files[f as keyof typeof files],
          f === 'e2e/screenshots/settings.png' ? 'uploaded' : 'unchanged',
        ),
      ),
    );
    expect(second.outputs['comment-id']).toBe(String(comment.id));
    expectNoLeaks(s, second, deleteUrlsBefore);
  });

  test('two runs at once end with one comment', async () => {
    // Both runs are held at their first listing until both have asked: both see no comment and both create.
    const s = await scenario({ github: { holdFirstListings: 2 } });
    writeScreenshots(s);
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
  });

  test('comments with different headers stay separate, and leftovers of an earlier race are cleaned up', async () => {
    const s = await scenario({ github: { maxPerPage: 3 } });
    writeScreenshots(s);
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
    writeScreenshots(s);
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
    writeScreenshots(s);
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
    const files = writeScreenshots(s);
    const run = await s.run({
      eventName: 'pull_request',
      event: pullRequestEvent({ number: PR, headSha: HEAD_SHA, headRepo: 'contributor/webapp' }),
      inputs: { path: PATHS, 'api-key': '' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('::warning::The api-key input is empty');
    expect(s.upshot.received).toEqual([]);
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
  });

  test('a read-only token: uploads succeed, the refused comment is a warning, the summary has the images', async () => {
    const s = await scenario({ github: { readOnly: true } });
    const files = writeScreenshots(s);
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
    expect(s.upshot.stored()).toHaveLength(4);
    expect(run.outputs['comment-id']).toBe('');
    const home = s.upshot.images.get(files['e2e/screenshots/home.png'])!;
    expect(run.summary).toContain(`<img src="${home.thumb.url}"`);
    expect(run.summary).toContain('Commenting on pull request #42 was refused');
    expectNoLeaks(s, run);
  });
});

describe('where the pull request comes from', () => {
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
    writeScreenshots(s);
    const run = await s.run({
      eventName: 'push',
      event: pushEvent(HEAD_SHA),
      sha: HEAD_SHA,
      inputs: { path: PATHS },
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
    writeScreenshots(s);
    const run = await s.run({
      eventName: 'push',
      event: pushEvent(HEAD_SHA, 'refs/heads/feature/settings'),
      sha: HEAD_SHA,
      inputs: { path: PATHS },
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
    writeScreenshots(s);
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
    writeScreenshots(s);
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
    writeScreenshots(s);
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
    writeScreenshots(s);
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
  });
});

describe('uploads', () => {
  test('an upload server that answers 503 twice then 200 succeeds through the retries', async () => {
    const s = await scenario({ upload: { failFirst: 2 } });
    const sum = s.write('shots/only.png', makePng(32, 32, 5));
    const run = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: 'shots/*.png' },
    });
    expect(run.exitCode).toBe(0);
    expect(s.upshot.received.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(results(run)).toEqual([expectedRow(s, 'shots/only.png', sum, 'uploaded')]);
    expect(run.stdout).toContain('shots/only.png: attempt 2 failed');
    expect(s.github.comments[0]?.body).toContain('1 uploaded, 0 unchanged, 0 failed');
  });

  test('a failed upload fails the step, after commenting on what worked', async () => {
    const s = await scenario();
    const good = s.write('shots/good.png', makePng(16, 16, 1));
    const notes = s.write('shots/notes.txt', 'not an image');
    const run = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: 'shots/*' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('::error::1 of 2 uploads failed.');
    expect(results(run)).toEqual([
      expectedRow(s, 'shots/good.png', good, 'uploaded'),
      {
        file: 'shots/notes.txt',
        url: null,
        viewer_url: null,
        thumb_url: null,
        md5: notes,
        status: 'failed',
        error: "Can't get target upload source info (HTTP 415, code 610)",
      },
    ]);
    const body = s.github.comments[0]!.body;
    expect(body).toContain('1 uploaded, 0 unchanged, 1 failed');
    expect(body).toContain(
      '- <code>shots/notes.txt</code>: Can&#39;t get target upload source info (HTTP 415, code 610)',
    );
  });

  test('fail-on-upload-error: false only warns', async () => {
    const s = await scenario();
    s.write('shots/good.png', makePng(16, 16, 1));
    s.write('shots/notes.txt', 'not an image');
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
    expect(s.upshot.stored()).toHaveLength(count);
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

    // The next run still finds most files unchanged from the comment's hidden list.
    const again = await s.run({
      eventName: 'pull_request',
      event: prEvent(),
      inputs: { path: 'e2e/screenshots', concurrency: '16' },
    });
    expect(again.exitCode).toBe(0);
    const rows = results(again);
    const unchanged = rows.filter((r) => r.status === 'unchanged').length;
    expect(unchanged).toBeGreaterThan(count / 2);
    expect(s.upshot.stored()).toHaveLength(count + (count - unchanged));
    expect(s.github.comments).toHaveLength(1);
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
    expect(s.upshot.received).toEqual([]);
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
  expect(s.upshot.received).toEqual([]);
});
