import * as core from '@actions/core';
import * as github from '@actions/github';
import { type Comparison, createClient, createReviewClient, UpshotError } from '@upshot/client';
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
import { comparisonLine, renderComparison, renderComparisonComment } from './review.ts';
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
  comparison: Comparison | null;
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
 * The job summary: the full report (nothing collapsed or shortened; the comparison when there
 * is one, as the comment shows it), the notes, and a table of every file. Past GitHub's 1 MiB
 * the grid goes first, then table rows, with a note saying so.
 */
export function renderSummary(
  results: FileResult[],
  notes: string[],
  commentUrl: string | null,
  options: RenderOptions,
  limit = SUMMARY_LIMIT_BYTES,
  comparison: Comparison | null = null,
): string {
  // The summary has room and is the run page itself: nothing collapsed, no link to itself.
  const summaryOptions: RenderOptions = { ...options, collapseAfter: 0, runUrl: null };
  const heading = `### ${escapeHtml(options.title)}`;
  const all = Number.POSITIVE_INFINITY;
  const compose = (withGrid: boolean, rows: number) => {
    const parts: string[] = [];
    if (comparison) {
      parts.push(
        renderComparison({
          comparison,
          results,
          options: summaryOptions,
          detail: withGrid ? 0 : 3,
          limit: all,
        }),
      );
    } else if (!results.length) parts.push(heading);
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
  const text = renderSummary(
    report.results,
    report.notes,
    report.comment?.html_url ?? null,
    {
      header: inputs?.commentHeader ?? '',
      title: inputs?.commentTitle ?? 'Upshot',
      columns: inputs?.columns ?? 3,
      collapseAfter: 0,
      runUrl: null,
    },
    SUMMARY_LIMIT_BYTES,
    report.comparison,
  );
  try {
    await core.summary.addRaw(text, true).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${(error as Error).message}`);
  }
}

function setOutputs(report: Report): void {
  const { results, comment, comparison } = report;
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
  const summary = comparison?.summary;
  core.setOutput('changed', summary ? String(summary.changed) : '');
  core.setOutput('added', summary ? String(summary.added) : '');
  core.setOutput('removed', summary ? String(summary.removed) : '');
  core.setOutput('unchanged', summary ? String(summary.unchanged) : '');
  core.setOutput('review-url', comparison?.url ?? '');
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

/**
 * What the run does with its screenshots. `record`: a run on a branch (push, manual, schedule,
 * or a workflow_run after one) keeps them as that branch's baseline and comments nothing.
 * `compare`: a pull request run compares them with its base branch. `upload`: neither.
 */
export type Mode = { kind: 'record'; branch: string } | { kind: 'compare' } | { kind: 'upload' };

const branchOf = (ref: unknown): string | null =>
  typeof ref === 'string' && ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;

export function modeOf(inputs: Pick<Inputs, 'compare'>, context: typeof github.context): Mode {
  if (inputs.compare === 'off') return { kind: 'upload' };
  const payload = context.payload;
  switch (context.eventName) {
    case 'pull_request':
    case 'pull_request_target':
      return { kind: 'compare' };
    case 'workflow_run': {
      const run = payload.workflow_run as { event?: string; head_branch?: string } | undefined;
      if (run?.event === 'pull_request' || run?.event === 'pull_request_target') {
        return { kind: 'compare' };
      }
      if (run?.event === 'push' && run.head_branch)
        return { kind: 'record', branch: run.head_branch };
      return { kind: 'upload' };
    }
    case 'push': {
      const branch = branchOf(payload.ref ?? context.ref);
      return branch ? { kind: 'record', branch } : { kind: 'upload' };
    }
    case 'workflow_dispatch':
    case 'schedule':
    case 'merge_group': {
      const branch = branchOf(context.ref);
      return branch ? { kind: 'record', branch } : { kind: 'upload' };
    }
    default:
      return { kind: 'upload' };
  }
}

/** The branch a pull request run compares with: the input, else the pull request's base. */
function baseBranchOf(inputs: Inputs, pr: PullRequestRef | null): string | null {
  if (inputs.baselineBranch) return inputs.baselineBranch;
  if (pr?.baseRef) return pr.baseRef;
  const pull = github.context.payload.pull_request as { base?: { ref?: string } } | undefined;
  if (typeof pull?.base?.ref === 'string') return pull.base.ref;
  const listed = (
    github.context.payload.workflow_run as
      | { pull_requests?: Array<{ base?: { ref?: string } }> }
      | undefined
  )?.pull_requests?.[0]?.base?.ref;
  return typeof listed === 'string' ? listed : null;
}

function headOf(pr: PullRequestRef | null): { branch?: string; number?: number } {
  const pull = github.context.payload.pull_request as { head?: { ref?: string } } | undefined;
  const run = github.context.payload.workflow_run as { head_branch?: string } | undefined;
  const branch = pr?.headRef ?? pull?.head?.ref ?? run?.head_branch ?? undefined;
  return { ...(branch ? { branch } : {}), ...(pr ? { number: pr.number } : {}) };
}

/** Images of the run, by their names in a baseline: what a set or a comparison holds. */
function screenshotsOf(results: FileResult[]) {
  const seen = new Set<string>();
  const files: Array<{ name: string; image_id: string }> = [];
  for (const r of results) {
    if (r.kind !== 'image' || !r.id || !r.reviewName || seen.has(r.reviewName)) continue;
    seen.add(r.reviewName);
    files.push({ name: r.reviewName.slice(0, 500), image_id: r.id });
  }
  return files;
}

/** Why the server would not keep or compare screenshots, in words that say what to do. */
function reviewProblem(error: unknown): string {
  if (error instanceof UpshotError) {
    if (error.status === 403) {
      return 'the key may not keep baselines: use a user key, not the guest key';
    }
    if (error.status === 404 && error.code === 120) {
      return 'the server has no visual review (it is not an Upshot server, or an older one)';
    }
    const status = error.status === null ? '' : ` (HTTP ${error.status})`;
    return `${error.message}${status}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** An error of the GitHub API that says nothing answered (octokit reports those as a 500 without a reply). */
function unreachable(error: unknown): boolean {
  const e = error as { name?: string; status?: number; response?: unknown } | null;
  return e?.name === 'HttpError' && !e.response && (e.status === undefined || e.status === 500);
}

function describeGitHubError(error: unknown): string {
  const e = error as { message?: string; cause?: { cause?: { code?: string }; code?: string } };
  const code = e?.cause?.cause?.code ?? e?.cause?.code;
  const message = e?.message ?? String(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
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

  const mode = modeOf(inputs, github.context);
  // A run that records a baseline comments nothing (README: Visual review).
  const commenting = inputs.comment !== 'off' && mode.kind !== 'record';
  const octokit =
    commenting && inputs.githubToken
      ? github.getOctokit(inputs.githubToken, { userAgent: USER_AGENT })
      : null;
  if (commenting && !octokit) {
    report.notes.push('The github-token input is empty: no pull request comment.');
  }

  // What GitHub knows comes first (the pull request, our comment and what it lists, so that
  // unchanged files are not sent again), but the uploads never wait on it: if the API does not
  // answer, the files go up anyway and the step says so at the end.
  const apiUrl = process.env.GITHUB_API_URL ?? 'the GitHub API';
  let githubFailure: unknown = null;
  let pr: PullRequestRef | null = null;
  const marker = markerFor(inputs.commentHeader);
  let author: Author = { anyBot: true };
  let ours: IssueComment[] = [];
  let previous = new Map<string, ListedUpload>();
  if (octokit) {
    try {
      pr = await findPullRequest(octokit, github.context);
      if (!pr) {
        const note = 'No pull request is associated with this run: the job summary is the report.';
        core.info(note);
        report.notes.push(note);
      } else {
        core.info(`Pull request #${pr.number} (${pr.via}).`);
        author = await whoAmI(octokit);
        ours = await findOurComments(octokit, pr, marker, author);
        // `update` reads the comment it keeps (the oldest); `new` the latest one it posted.
        const source = inputs.comment === 'new' ? ours.at(-1) : ours[0];
        if (source) previous = parseData(source.body ?? '');
      }
    } catch (error) {
      if (!unreachable(error)) throw error;
      githubFailure = error;
      core.warning(
        `The GitHub API at ${apiUrl} did not answer (${describeGitHubError(error)}): uploading the files anyway.`,
      );
    }
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
    needIds: mode.kind !== 'upload',
  });
  core.info(summaryLine(report.results));

  const review = createReviewClient({
    baseUrl: inputs.serverUrl,
    apiKey: inputs.apiKey,
    userAgent: USER_AGENT,
  });
  const screenshots = screenshotsOf(report.results);
  if (mode.kind === 'record' && screenshots.length === 0) {
    const note = `No screenshot was uploaded, so no baseline of \`${mode.branch}\` was recorded.`;
    core.warning(note);
    report.notes.push(note);
  } else if (mode.kind === 'record') {
    try {
      const baseline = await review.recordBaseline({
        project: inputs.project,
        branch: mode.branch,
        ...(github.context.sha ? { commit: github.context.sha } : {}),
        files: screenshots,
      });
      const note = `Recorded ${baseline.files.length} screenshot${baseline.files.length === 1 ? '' : 's'} as the baseline of \`${mode.branch}\` (${inputs.project}): pull requests into it are compared with them.`;
      core.info(note);
      report.notes.push(note);
    } catch (error) {
      const message = `The baseline of ${mode.branch} was not recorded: ${reviewProblem(error)}.`;
      core.warning(message);
      report.notes.push(message);
    }
  }

  const commentNotes: string[] = [];
  if (mode.kind === 'compare') {
    const base = baseBranchOf(inputs, pr);
    if (!base) {
      const message =
        'No base branch to compare with: set the baseline-branch input (the pull request was not found).';
      core.warning(message);
      report.notes.push(message);
    } else {
      try {
        const latest = await review.latestBaseline(inputs.project, base);
        if (!latest) {
          const note = `No baseline of \`${base}\` yet, so nothing was compared: a run of this workflow on \`${base}\` (a push) records one.`;
          core.info(note);
          report.notes.push(note);
          commentNotes.push(note);
        } else {
          const head = headOf(pr);
          report.comparison = await review.compare({
            project: inputs.project,
            base_branch: base,
            ...(head.branch ? { head_branch: head.branch.slice(0, 255) } : {}),
            ...(head.number ? { pull_request: head.number } : {}),
            ...(github.context.sha ? { commit: github.context.sha } : {}),
            threshold: inputs.threshold,
            files: screenshots,
          });
          core.info(
            `Compared with ${base}: ${comparisonLine(report.comparison.summary)}. Review: ${report.comparison.url}`,
          );
        }
      } catch (error) {
        const message = `The screenshots were not compared with ${base}: ${reviewProblem(error)}.`;
        core.warning(message);
        report.notes.push(message);
        commentNotes.push(message);
      }
    }
  }

  if (octokit && pr && !githubFailure) {
    const options: RenderOptions = {
      header: inputs.commentHeader,
      title: inputs.commentTitle,
      columns: inputs.columns,
      collapseAfter: inputs.collapseAfter,
      runUrl: workflowRunUrl(),
      notes: commentNotes,
    };
    const { body, truncated } = report.comparison
      ? renderComparisonComment(
          report.comparison,
          report.results,
          listedOf(report.results),
          options,
        )
      : renderComment(report.results, options);
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
      if (unreachable(error)) githubFailure = error;
      else if (statusOf(error) !== 403) throw error;
      else {
        const message = `Commenting on pull request #${pr.number} was refused (${(error as Error).message}); the token is read-only here (a fork pull request?). The job summary has the images.`;
        core.warning(message);
        report.notes.push(message);
      }
    }
  }

  const { failed } = countResults(report.results);
  if (failed > 0) {
    const message = `${failed} of ${report.results.length} uploads failed.`;
    if (inputs.failOnUploadError) throw new Error(message);
    core.warning(message);
  }
  if (githubFailure) {
    throw new Error(
      `Could not reach the GitHub API at ${apiUrl} (${describeGitHubError(githubFailure)}), so no pull request comment was written. The files were uploaded: their links are in the job summary and the step's outputs.`,
    );
  }
  const summary = report.comparison?.summary;
  if (inputs.failOnChange && summary && summary.changed + summary.added + summary.removed > 0) {
    throw new Error(
      `Screenshots changed: ${comparisonLine(summary)} (fail-on-change). Review them: ${report.comparison!.url}`,
    );
  }
}

/** The uploads a comment lists in its hidden data, so the next run skips unchanged bytes. */
function listedOf(results: FileResult[]): ListedUpload[] {
  return results.flatMap((r) =>
    (r.status === 'uploaded' || r.status === 'unchanged') && r.url
      ? [
          {
            md5: r.md5,
            kind: r.kind ?? 'file',
            mime: r.mime ?? '',
            url: r.url,
            viewerUrl: r.viewerUrl ?? r.url,
            thumbUrl: r.thumbUrl ?? '',
            expiresAt: r.expiresAt ?? null,
            ...(r.id ? { id: r.id } : {}),
          },
        ]
      : [],
  );
}

/** The action: every failure ends in one setFailed; the job summary is written whatever happens. */
export async function run(): Promise<void> {
  const report: Report = { inputs: null, results: [], notes: [], comment: null, comparison: null };
  try {
    await main(report);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report.notes.push(`Failed: ${message}`);
    core.setFailed(message);
  } finally {
    // Outputs once the inputs are known, with whatever the run got to: a failed comment still
    // leaves the uploads' links.
    if (report.inputs) setOutputs(report);
    await writeSummary(report);
  }
}
