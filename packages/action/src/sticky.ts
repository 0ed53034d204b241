import * as core from '@actions/core';
import type { Octokit, PullRequestRef } from './pull-request.ts';

export interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
  created_at: string;
  user: { login: string; type?: string } | null;
}

/**
 * Who the token writes as. A personal or OAuth token can read `GET /user`; an installation token
 * (the workflow's GITHUB_TOKEN, a GitHub App) can't, and writes as a bot
 * (`github-actions[bot]`, `<app>[bot]`). Once the action has created or updated a comment it
 * knows the exact login from the reply.
 */
export type Author = { login: string } | { anyBot: true };

export async function whoAmI(octokit: Octokit): Promise<Author> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return { login: data.login };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 401 || status === 403 || status === 404) return { anyBot: true };
    throw error;
  }
}

export function isByAuthor(comment: IssueComment, author: Author): boolean {
  if (!comment.user) return false;
  if ('login' in author) return comment.user.login === author.login;
  return comment.user.type === 'Bot' || comment.user.login.endsWith('[bot]');
}

/** Oldest first; ids grow with time, created_at breaks nothing when they don't. */
function byAge(a: IssueComment, b: IssueComment): number {
  return a.created_at === b.created_at ? a.id - b.id : a.created_at < b.created_at ? -1 : 1;
}

/** The comments carrying the marker, by the author, oldest first. */
export async function listMarked(
  octokit: Octokit,
  pr: PullRequestRef,
  marker: string,
  author: Author,
): Promise<IssueComment[]> {
  const comments = (await octokit.paginate(octokit.rest.issues.listComments, {
    owner: pr.owner,
    repo: pr.repo,
    issue_number: pr.number,
    per_page: 100,
  })) as IssueComment[];
  return comments
    .filter((c) => (c.body ?? '').includes(marker) && isByAuthor(c, author))
    .sort(byAge);
}

async function deleteComment(octokit: Octokit, pr: PullRequestRef, id: number): Promise<void> {
  try {
    await octokit.rest.issues.deleteComment({ owner: pr.owner, repo: pr.repo, comment_id: id });
  } catch (error) {
    // The other run got there first.
    if ((error as { status?: number }).status !== 404) throw error;
  }
}

async function updateComment(
  octokit: Octokit,
  pr: PullRequestRef,
  id: number,
  body: string,
): Promise<IssueComment | null> {
  try {
    const { data } = await octokit.rest.issues.updateComment({
      owner: pr.owner,
      repo: pr.repo,
      comment_id: id,
      body,
    });
    return data as IssueComment;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

async function createComment(
  octokit: Octokit,
  pr: PullRequestRef,
  body: string,
): Promise<IssueComment> {
  const { data } = await octokit.rest.issues.createComment({
    owner: pr.owner,
    repo: pr.repo,
    issue_number: pr.number,
    body,
  });
  return data as IssueComment;
}

/**
 * Keep one comment per marker: update the oldest one found, else create one. Two jobs that race
 * may both create: each then lists again, keeps the oldest, deletes the others and, if it lost,
 * writes its body into the one kept. Comments left over by earlier races are removed too.
 */
export async function upsertStickyComment(
  octokit: Octokit,
  pr: PullRequestRef,
  marker: string,
  body: string,
  author: Author,
  found: IssueComment[],
): Promise<IssueComment> {
  const [oldest, ...extra] = found;
  if (oldest) {
    const updated = await updateComment(octokit, pr, oldest.id, body);
    if (updated) {
      for (const c of extra) await deleteComment(octokit, pr, c.id);
      return updated;
    }
    core.info(`Comment ${oldest.id} is gone; creating a new one.`);
  }
  const created = await createComment(octokit, pr, body);
  const me: Author = created.user ? { login: created.user.login } : author;
  const [keep, ...others] = await listMarked(octokit, pr, marker, me);
  if (!keep || keep.id === created.id) {
    for (const c of others) await deleteComment(octokit, pr, c.id);
    return created;
  }
  core.info(`Another run created comment ${keep.id} first; keeping it and removing ${created.id}.`);
  for (const c of others) await deleteComment(octokit, pr, c.id);
  return (await updateComment(octokit, pr, keep.id, body)) ?? keep;
}

export async function createNewComment(
  octokit: Octokit,
  pr: PullRequestRef,
  body: string,
): Promise<IssueComment> {
  return createComment(octokit, pr, body);
}
