/**
 * Event payloads shaped like the ones GitHub writes to GITHUB_EVENT_PATH (the fields the toolkit
 * and the action read, and enough around them to be recognisable), for `acme/webapp`.
 */

const user = (login: string, id: number, type = 'User') => ({
  login,
  id,
  node_id: `U_${id}`,
  type,
  site_admin: false,
  html_url: `https://github.com/${login}`,
});

export const repository = (fullName = 'acme/webapp', fork = false) => {
  const [owner, name] = fullName.split('/') as [string, string];
  return {
    id: fullName.length * 1000,
    node_id: `R_${fullName}`,
    name,
    full_name: fullName,
    private: false,
    owner: user(owner, owner.length * 7, owner === 'acme' ? 'Organization' : 'User'),
    html_url: `https://github.com/${fullName}`,
    fork,
    default_branch: 'main',
  };
};

export interface PullRequestEventOptions {
  number: number;
  headSha: string;
  headRef?: string;
  /** A fork's `owner/name` for a fork pull request. */
  headRepo?: string;
  action?: string;
}

export function pullRequestEvent(o: PullRequestEventOptions) {
  const headRepo = o.headRepo ?? 'acme/webapp';
  const fork = headRepo !== 'acme/webapp';
  const headOwner = headRepo.split('/')[0] as string;
  return {
    action: o.action ?? 'synchronize',
    number: o.number,
    pull_request: {
      url: `https://api.github.com/repos/acme/webapp/pulls/${o.number}`,
      id: 900000 + o.number,
      html_url: `https://github.com/acme/webapp/pull/${o.number}`,
      number: o.number,
      state: 'open',
      title: 'Redesign the settings page',
      user: user(headOwner, 5000),
      draft: false,
      head: {
        label: `${headOwner}:${o.headRef ?? 'feature/settings'}`,
        ref: o.headRef ?? 'feature/settings',
        sha: o.headSha,
        user: user(headOwner, 5000),
        repo: repository(headRepo, fork),
      },
      base: {
        label: 'acme:main',
        ref: 'main',
        sha: 'b'.repeat(40),
        user: user('acme', 28, 'Organization'),
        repo: repository(),
      },
    },
    repository: repository(),
    organization: { login: 'acme', id: 28 },
    sender: user(headOwner, 5000),
  };
}

export function pushEvent(sha: string, ref = 'refs/heads/main') {
  return {
    ref,
    before: 'c'.repeat(40),
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/acme/webapp/compare/${'c'.repeat(12)}...${sha.slice(0, 12)}`,
    commits: [{ id: sha, message: 'Update screenshots', distinct: true }],
    head_commit: { id: sha, message: 'Update screenshots' },
    repository: repository(),
    pusher: { name: 'octocat', email: 'octocat@example.com' },
    sender: user('octocat', 583231),
  };
}

export interface WorkflowRunEventOptions {
  headSha: string;
  headBranch: string;
  headRepo: string;
  /** What GitHub lists: empty for a fork's pull request. */
  pullRequests?: Array<{ number: number; headSha: string; headRef: string }>;
}

export function workflowRunEvent(o: WorkflowRunEventOptions) {
  return {
    action: 'completed',
    workflow_run: {
      id: 6000000001,
      name: 'e2e',
      head_branch: o.headBranch,
      head_sha: o.headSha,
      path: '.github/workflows/e2e.yml',
      run_number: 16,
      event: 'pull_request',
      status: 'completed',
      conclusion: 'success',
      workflow_id: 161335,
      html_url: 'https://github.com/acme/webapp/actions/runs/6000000001',
      pull_requests: (o.pullRequests ?? []).map((p) => ({
        url: `https://api.github.com/repos/acme/webapp/pulls/${p.number}`,
        id: 900000 + p.number,
        number: p.number,
        head: { ref: p.headRef, sha: p.headSha, repo: { id: 1, url: '', name: 'webapp' } },
        base: { ref: 'main', sha: 'b'.repeat(40), repo: { id: 1, url: '', name: 'webapp' } },
      })),
      head_repository: repository(o.headRepo, o.headRepo !== 'acme/webapp'),
      repository: repository(),
    },
    workflow: { id: 161335, name: 'e2e', path: '.github/workflows/e2e.yml' },
    repository: repository(),
    sender: user('octocat', 583231),
  };
}
