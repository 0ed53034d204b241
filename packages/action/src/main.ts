import * as core from '@actions/core';
import * as github from '@actions/github';
import { createClient } from '@upshot/client';
import {
  countResults,
  escapeHtml,
  type FileResult,
  type ListedUpload,
  markerFor,
  parseData,
  type RenderOptions,
  renderComment,
  renderReport,
  summaryLine,
} from './comment.ts';
import { findFiles, type LocalFile } from './files.ts';
import { getInputs, type Inputs } from './inputs.ts';
import { findPullRequest, type Octokit, type PullRequestRef } from './pull-request.ts';
import {
  type Author,
  createNewComment,
  type IssueComment,
  listMarked,
  upsertStickyComment,
  whoAmI,
} from './sticky.ts';
import { uploadFiles } from './upload.ts';

export const USER_AGENT = 'upshot-action/0.1.0';

/** The run's page, built from the runner's variables (GitHub or an Enterprise server). */
export function workflowRunUrl(env = process.env): string | null {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = env;
  if (!server || !repo || !id) return null;
  const attempt = Number(env.GITHUB_RUN_ATTEMPT);
  const suffix = Number.isInteger(attempt) && attempt > 1 ? `/attempts/${attempt}` : '';
  return `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${id}${suffix}`;
}

function statusOf(error: unknown): number | undefined {
  return (error as { status?: number } | null)?.status;
}

/** Everything the job summary shows, collected as the run goes. */
interface Report {
  inputs: Inputs | null;
  results: FileResult[];
  notes: string[];
  comment: IssueComment | null;
}

function resultsOutput(results: FileResult[]) {
  return results.map((r) => ({
    file: r.file,
    url: r.url ?? null,
    viewer_url: r.viewerUrl ?? null,
    thumb_url: r.thumbUrl ?? null,
    md5: r.md5,
    status: r.status,
    ...(r.error ? { error: r.error } : {}),
  }));
}

/** GitHub shows at most 1 MiB of job summary per step. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

function fileRow(r: FileResult): string {
  const link = r.url ? `<a href="${escapeHtml(r.url)}">${r.kind ?? 'file'}</a>` : '';
  const viewer = r.viewerUrl ? ` · <a href="${escapeHtml(r.viewerUrl)}">viewer</a>` : '';
  const detail = r.error ? escapeHtml(r.error) : `${link}${viewer}`;
  return `<tr><td><code>${escapeHtml(r.file)}</code></td><td>${r.status}</td><td>${detail}</td><td><code>${r.md5}</code></td></tr>`;
}

/**
 * The job summary: the full report (nothing collapsed or shortened), the notes, and a table of
 * every file. Past GitHub's 1 MiB the grid goes first, then table rows, with a note saying so.
 */
export function renderSummary(
  results: FileResult[],
  notes: string[],
  commentUrl: string | null,
  options: RenderOptions,
  limit = SUMMARY_LIMIT_BYTES,
): string {
  // The summary has room and is the run page itself: nothing collapsed, no link to itself.
  const summaryOptions: RenderOptions = { ...options, collapseAfter: 0, runUrl: null };
  const heading = `### ${escapeHtml(options.title)}`;
  const compose = (withGrid: boolean, rows: number) => {
    const parts: string[] = [];
    if (!results.length) parts.push(heading);
    else if (withGrid) parts.push(renderReport(results, summaryOptions));
    else parts.push(heading, `**${summaryLine(results)}**`);
    for (const note of notes) parts.push(`> ${note}`);
    if (!withGrid && results.length) {
      parts.push('> The image grid is left out to stay under the 1 MiB job summary limit.');
    }
    if (rows < results.length)
      parts.push(`> Only the first ${rows} of ${results.length} files are listed.`);
    if (commentUrl) parts.push(`[Pull request comment](${commentUrl})`);
    if (results.length) {
      parts.push(
        `<details${withGrid ? '' : ' open'}><summary>All ${results.length} files</summary>\n\n<table>\n<tr><th>File</th><th>Status</th><th>Links</th><th>md5</th></tr>\n${results.slice(0, rows).map(fileRow).join('\n')}\n</table>\n\n</details>`,
      );
    }
    return `${parts.join('\n\n')}\n`;
  };
  const fits = (text: string) => Buffer.byteLength(text) <= limit;
  const full = compose(true, results.length);
  if (fits(full)) return full;
  let lo = 0;
  let hi = results.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(compose(false, mid))) lo = mid;
    else hi = mid - 1;
  }
  return compose(false, lo);
}

async function writeSummary(report: Report): Promise<void> {
  const { inputs } = report;
  const text = renderSummary(report.results, report.notes, report.comment?.html_url ?? null, {
    header: inputs?.commentHeader ?? '',
    title: inputs?.commentTitle ?? 'Upshot',
    columns: inputs?.columns ?? 3,
    collapseAfter: 0,
    runUrl: null,
  });
  try {
    await core.summary.addRaw(text, true).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${(error as Error).message}`);
  }
}

function setOutputs(results: FileResult[], comment: IssueComment | null): void {
  core.setOutput(
    'urls',
    results
      .map((r) => r.url)
      .filter(Boolean)
      .join('\n'),
  );
  core.setOutput('results', JSON.stringify(resultsOutput(results)));
  core.setOutput('comment-id', comment ? String(comment.id) : '');
  core.setOutput('comment-url', comment ? comment.html_url : '');
}

/** The comments of this header by this token's identity, or none when reading is refused. */
async function findOurComments(
  octokit: Octokit,
  pr: PullRequestRef,
  marker: string,
  author: Author,
): Promise<IssueComment[]> {
  try {
    return await listMarked(octokit, pr, marker, author);
  } catch (error) {
    if (statusOf(error) === 403 || statusOf(error) === 404) {
      core.warning(`Could not read the pull request's comments: ${(error as Error).message}`);
      return [];
    }
    throw error;
  }
}

async function main(report: Report): Promise<void> {
  const inputs = getInputs();
  report.inputs = inputs;
  const files: LocalFile[] = await findFiles(inputs.patterns);
  core.info(`${files.length} file${files.length === 1 ? '' : 's'} matched.`);

  if (files.length === 0) {
    const message = `No files were found with the provided path: ${inputs.patterns.join(', ')}. No artifacts will be uploaded.`;
    report.notes.push(message);
    if (inputs.ifNoFilesFound === 'error') throw new Error(message);
    if (inputs.ifNoFilesFound === 'warn') core.warning(message);
    else core.info(message);
    return;
  }

  if (!inputs.apiKey) {
    const message =
      'The api-key input is empty, so nothing was uploaded. Secrets are not passed to workflows triggered from forks: use the workflow_run pattern from the README to upload from a trusted workflow.';
    core.warning(message);
    report.notes.push(message);
    report.results = files.map((f) => ({
      file: f.relative,
      name: f.name,
      md5: f.md5,
      status: 'skipped',
    }));
    return;
  }

  const octokit =
    inputs.comment !== 'off' && inputs.githubToken
      ? github.getOctokit(inputs.githubToken, { userAgent: USER_AGENT })
      : null;
  if (inputs.comment !== 'off' && !octokit) {
    report.notes.push('The github-token input is empty: no pull request comment.');
  }
  const pr = octokit ? await findPullRequest(octokit, github.context) : null;
  if (octokit && !pr) {
    const note = 'No pull request is associated with this run: the job summary is the report.';
    core.info(note);
    report.notes.push(note);
  }
  if (pr) core.info(`Pull request #${pr.number} (${pr.via}).`);

  const marker = markerFor(inputs.commentHeader);
  let author: Author = { anyBot: true };
  let ours: IssueComment[] = [];
  let previous = new Map<string, ListedUpload>();
  if (octokit && pr) {
    author = await whoAmI(octokit);
    ours = await findOurComments(octokit, pr, marker, author);
    // `update` reads the comment it keeps (the oldest); `new` the latest one it posted.
    const source = inputs.comment === 'new' ? ours.at(-1) : ours[0];
    if (source) previous = parseData(source.body ?? '');
  }

  const client = createClient({
    baseUrl: inputs.serverUrl,
    apiKey: inputs.apiKey,
    userAgent: USER_AGENT,
  });
  report.results = await uploadFiles(client, files, previous, {
    concurrency: inputs.concurrency,
    titleTemplate: inputs.titleTemplate,
    albumId: inputs.albumId,
    expiration: inputs.expiration,
  });
  core.info(summaryLine(report.results));

  if (octokit && pr) {
    const { body, truncated } = renderComment(report.results, {
      header: inputs.commentHeader,
      title: inputs.commentTitle,
      columns: inputs.columns,
      collapseAfter: inputs.collapseAfter,
      runUrl: workflowRunUrl(),
    });
    if (truncated) {
      report.notes.push(
        "The pull request comment was shortened to fit GitHub's size limit; every file is listed here.",
      );
    }
    try {
      report.comment =
        inputs.comment === 'new'
          ? await createNewComment(octokit, pr, body)
          : await upsertStickyComment(octokit, pr, marker, body, author, ours);
      core.info(`Comment: ${report.comment.html_url}`);
    } catch (error) {
      if (statusOf(error) !== 403) throw error;
      const message = `Commenting on pull request #${pr.number} was refused (${(error as Error).message}); the token is read-only here (a fork pull request?). The job summary has the images.`;
      core.warning(message);
      report.notes.push(message);
    }
  }

  const { failed } = countResults(report.results);
  if (failed > 0) {
    const message = `${failed} of ${report.results.length} uploads failed.`;
    if (inputs.failOnUploadError) throw new Error(message);
    core.warning(message);
  }
}

/** The action: every failure ends in one setFailed; the job summary is written whatever happens. */
export async function run(): Promise<void> {
  const report: Report = { inputs: null, results: [], notes: [], comment: null };
  try {
    await main(report);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report.notes.push(`Failed: ${message}`);
    core.setFailed(message);
  } finally {
    // Outputs once the inputs are known, with whatever the run got to: a failed comment still
    // leaves the uploads' links.
    if (report.inputs) setOutputs(report.results, report.comment);
    await writeSummary(report);
  }
}
