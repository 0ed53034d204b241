import * as core from '@actions/core';
import type * as github from '@actions/github';

export type Octokit = ReturnType<typeof github.getOctokit>;
export type Context = typeof github.context;

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  /** How it was found, for the log. */
  via: string;
  /** The branch it merges into and the one it comes from, when known: what screenshots compare with. */
  baseRef?: string;
  headRef?: string;
}

interface PullSummary {
  number: number;
  state: string;
  head: { sha: string; ref: string; repo?: { full_name?: string } | null };
  base: { ref?: string; repo: { full_name: string } };
}

const refsOf = (pr: PullSummary) => ({
  ...(pr.base.ref ? { baseRef: pr.base.ref } : {}),
  headRef: pr.head.ref,
});

function pickPull(pulls: PullSummary[], sha: string, baseRepo: string): PullSummary | undefined {
  const open = pulls.filter((pr) => pr.state === 'open' && pr.base.repo.full_name === baseRepo);
  return open.find((pr) => pr.head.sha === sha) ?? open[0];
}

async function pullsForCommit(
  octokit: Octokit,
  owner: string,
  repo: string,
  sha: string,
): Promise<PullSummary[]> {
  return (await octokit.paginate(octokit.rest.repos.listPullRequestsAssociatedWithCommit, {
    owner,
    repo,
    commit_sha: sha,
    per_page: 100,
  })) as PullSummary[];
}

/**
 * The pull request this run is about, or null (a push to a branch with no open pull request, a
 * schedule, a manual run). Never throws for a missing permission: the action then only writes the
 * job summary.
 */
export async function findPullRequest(
  octokit: Octokit,
  context: Context,
): Promise<PullRequestRef | null> {
  const { owner, repo } = context.repo;
  const baseRepo = `${owner}/${repo}`;
  const payload = context.payload;
  try {
    switch (context.eventName) {
      case 'pull_request':
      case 'pull_request_target':
      case 'pull_request_review':
      case 'pull_request_review_comment': {
        const pull = payload.pull_request;
        const number = pull?.number;
        return typeof number === 'number'
          ? {
              owner,
              repo,
              number,
              via: `${context.eventName} event`,
              ...(typeof pull?.base?.ref === 'string' ? { baseRef: pull.base.ref } : {}),
              ...(typeof pull?.head?.ref === 'string' ? { headRef: pull.head.ref } : {}),
            }
          : null;
      }
      case 'issue_comment': {
        const issue = payload.issue;
        return issue?.pull_request && typeof issue.number === 'number'
          ? { owner, repo, number: issue.number, via: 'issue_comment event' }
          : null;
      }
      case 'push': {
        const sha = (payload.after as string | undefined) || context.sha;
        if (!sha || /^0+$/.test(sha)) return null;
        const pr = pickPull(await pullsForCommit(octokit, owner, repo, sha), sha, baseRepo);
        return pr
          ? { owner, repo, number: pr.number, via: `open pull request for ${sha}`, ...refsOf(pr) }
          : null;
      }
      case 'workflow_run':
        return await fromWorkflowRun(octokit, context, owner, repo);
      default:
        return null;
    }
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 403 || status === 404) {
      core.warning(
        `Could not look up the pull request (${status}: ${(error as Error).message}); only the job summary is written.`,
      );
      return null;
    }
    throw error;
  }
}

interface WorkflowRunPayload {
  head_sha: string;
  head_branch: string | null;
  pull_requests?: Array<{
    number: number;
    base?: { ref?: string; repo?: { url?: string; name?: string } };
    head?: { ref?: string };
  }>;
  head_repository?: { owner?: { login?: string }; full_name?: string } | null;
}

/**
 * `workflow_run` runs in the base repository with its secrets, after the triggering workflow
 * (often an untrusted fork pull request) finished. Its `pull_requests` list is empty for forks,
 * so look for an open pull request from the head repository's branch, then by the head sha.
 */
async function fromWorkflowRun(
  octokit: Octokit,
  context: Context,
  owner: string,
  repo: string,
): Promise<PullRequestRef | null> {
  const run = context.payload.workflow_run as WorkflowRunPayload | undefined;
  if (!run) return null;
  const baseRepo = `${owner}/${repo}`;
  const listed = run.pull_requests?.[0];
  if (listed) {
    return {
      owner,
      repo,
      number: listed.number,
      via: 'workflow_run pull_requests',
      ...(listed.base?.ref ? { baseRef: listed.base.ref } : {}),
      headRef: listed.head?.ref ?? run.head_branch ?? undefined,
    };
  }

  const headOwner = run.head_repository?.owner?.login;
  if (headOwner && run.head_branch) {
    const pulls = (await octokit.paginate(octokit.rest.pulls.list, {
      owner,
      repo,
      state: 'open',
      head: `${headOwner}:${run.head_branch}`,
      per_page: 100,
    })) as PullSummary[];
    const pr = pickPull(pulls, run.head_sha, baseRepo);
    if (pr) {
      return {
        owner,
        repo,
        number: pr.number,
        via: `open pull request from ${headOwner}:${run.head_branch}`,
        ...refsOf(pr),
      };
    }
  }
  if (run.head_sha) {
    const pr = pickPull(
      await pullsForCommit(octokit, owner, repo, run.head_sha),
      run.head_sha,
      baseRepo,
    );
    if (pr) {
      return {
        owner,
        repo,
        number: pr.number,
        via: `open pull request for ${run.head_sha}`,
        ...refsOf(pr),
      };
    }
  }
  return null;
}
