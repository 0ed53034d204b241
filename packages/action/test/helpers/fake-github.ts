import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv, { type ValidateFunction } from 'ajv';

/**
 * A fake GitHub REST API on port 0 that refuses anything GitHub's own OpenAPI description
 * (@octokit/openapi, `generated/api.github.com.json`) does not allow: an unknown path or method,
 * a missing or malformed path or query parameter, an unknown query parameter, a JSON body that
 * does not match the operation's schema. Every refusal is recorded in `violations`, which the
 * tests expect to stay empty. It keeps issue comments in memory, pages its lists with `Link`
 * headers at a small page size, and can answer as a read-only token.
 */

const require = createRequire(import.meta.url);
const SPEC_PATH = require.resolve('@octokit/openapi/generated/api.github.com.json');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
  'x-multi-segment'?: boolean;
}

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  literalSegments: number;
  pathParams: string[];
  params: Parameter[];
  paramSchema: (p: Parameter) => string;
  bodyRef: string | null;
  bodyRequired: boolean;
}

interface Spec {
  paths: Record<string, Record<string, unknown>>;
  components: { parameters: Record<string, Parameter>; requestBodies?: Record<string, unknown> };
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

let cached: { operations: Operation[]; ajv: Ajv } | null = null;

/** Parsed once per test process: 13 MB of JSON. */
function loadSpec() {
  if (cached) return cached;
  const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateFormats: false,
    validateSchema: false,
  });
  ajv.addSchema(spec as unknown as Schema, 'gh');
  const operations: Operation[] = [];
  const methods = ['get', 'post', 'put', 'patch', 'delete', 'head'];
  for (const [template, item] of Object.entries(spec.paths)) {
    const shared = (item.parameters as unknown[] | undefined) ?? [];
    for (const method of methods) {
      const op = item[method] as
        | { parameters?: unknown[]; requestBody?: { $ref?: string; required?: boolean } }
        | undefined;
      if (!op) continue;
      const raw = [...shared, ...(op.parameters ?? [])];
      const refs = new Map<Parameter, string>();
      const params = raw.map((p, i) => {
        const ref = (p as { $ref?: string }).$ref;
        if (ref) {
          const name = ref.split('/').at(-1) as string;
          const param = spec.components.parameters[name] as Parameter;
          refs.set(param, `gh#/components/parameters/${pointer(name)}/schema`);
          return param;
        }
        const param = p as Parameter;
        const index = i - shared.length;
        refs.set(
          param,
          index < 0
            ? `gh#/${pointer('paths', template)}/parameters/${i}/schema`
            : `gh#/${pointer('paths', template, method)}/parameters/${index}/schema`,
        );
        return param;
      });
      let bodyRef: string | null = null;
      let bodyRequired = false;
      let body = op.requestBody;
      let bodyBase = `gh#/${pointer('paths', template, method)}/requestBody`;
      if (body?.$ref) {
        const name = body.$ref.split('/').at(-1) as string;
        bodyBase = `gh#/components/requestBodies/${pointer(name)}`;
        body = spec.components.requestBodies?.[name] as typeof body;
      }
      const content = (body as { content?: Record<string, unknown> } | undefined)?.content;
      if (content?.['application/json']) {
        bodyRef = `${bodyBase}/content/${pointer('application/json')}/schema`;
        bodyRequired = Boolean(body?.required);
      }
      const pathParams: string[] = [];
      const segments = template.split('/').filter(Boolean);
      const pattern = segments
        .map((segment) => {
          const match = /^\{(.+)\}$/.exec(segment);
          if (!match) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          const name = match[1] as string;
          pathParams.push(name);
          const multi = params.find((p) => p.in === 'path' && p.name === name)?.['x-multi-segment'];
          return multi ? '(.+)' : '([^/]+)';
        })
        .join('/');
      operations.push({
        method: method.toUpperCase(),
        template,
        regex: new RegExp(`^/${pattern}$`),
        literalSegments: segments.filter((s) => !s.startsWith('{')).length,
        pathParams,
        params,
        paramSchema: (p) => refs.get(p) as string,
        bodyRef,
        bodyRequired,
      });
    }
  }
  operations.sort((a, b) => b.literalSegments - a.literalSegments);
  cached = { operations, ajv };
  return cached;
}

const validators = new Map<string, ValidateFunction>();
function validatorFor(ajv: Ajv, ref: string): ValidateFunction {
  let v = validators.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: ref });
    validators.set(ref, v);
  }
  return v;
}

/** Query and path values arrive as text: read them as the schema's type says. */
function coerce(value: string, schema: Schema | undefined): Json {
  const type = schema?.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) {
    return Number(value);
  }
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

export interface FakeUser {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export const GITHUB_ACTIONS_BOT: FakeUser = {
  login: 'github-actions[bot]',
  id: 41898282,
  type: 'Bot',
};

export interface FakeComment {
  id: number;
  owner: string;
  repo: string;
  issue_number: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
}

export interface FakePull {
  number: number;
  state: 'open' | 'closed';
  headSha: string;
  headRef: string;
  /** `owner/name` of the head repository (a fork's for a fork pull request). */
  headRepo: string;
  /** `owner/name` of the base repository. */
  baseRepo: string;
}

export interface FakeGitHubOptions {
  /** Path before the REST paths, as on GitHub Enterprise Server: `/api/v3`. */
  prefix?: string;
  /** The token the action must send. */
  token?: string;
  /** Answer writes with 403 "Resource not accessible by integration", as a read-only GITHUB_TOKEN. */
  readOnly?: boolean;
  /** Who the token is: a bot (installation token, `GET /user` refused) or a user (a personal token). */
  identity?: FakeUser;
  /** The most a list page holds, whatever `per_page` asks: small, so paging is exercised. */
  maxPerPage?: number;
  /** Hold the first N first-page comment listings until N have arrived (forces a race). */
  holdFirstListings?: number;
  pulls?: FakePull[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  body: unknown;
}

export interface FakeGitHub {
  /** The API base, prefix included: what GITHUB_API_URL is set to. */
  url: string;
  origin: string;
  token: string;
  comments: FakeComment[];
  pulls: FakePull[];
  requests: RecordedRequest[];
  violations: string[];
  /** Adds a comment as someone else (or as the bot, for a leftover), returning it. */
  seedComment(comment: Partial<FakeComment> & { issue_number: number; body: string }): FakeComment;
  commentsOn(issue: number): FakeComment[];
  stop(): Promise<void>;
}

const NOT_ACCESSIBLE = {
  message: 'Resource not accessible by integration',
  documentation_url: 'https://docs.github.com/rest',
  status: '403',
};

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const { operations, ajv } = loadSpec();
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  const token = options.token ?? 'ghs_faketoken0123456789';
  const identity = options.identity ?? GITHUB_ACTIONS_BOT;
  const maxPerPage = options.maxPerPage ?? 2;
  const comments: FakeComment[] = [];
  const pulls = options.pulls ?? [];
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  let nextId = 1000;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const tick = () => {
    clock += 1000;
    return new Date(clock).toISOString().replace('.000Z', 'Z');
  };

  let held: Array<() => void> = [];
  let toHold = options.holdFirstListings ?? 0;

  let origin = '';
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(status === 204 ? null : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    });

  const refuse = (status: number, what: string, req: RecordedRequest) => {
    violations.push(`${req.method} ${req.path}${req.query}: ${what}`);
    return json(status, { message: what });
  };

  const commentJson = (c: FakeComment) => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${origin}${prefix}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
    html_url: `${origin}/${c.owner}/${c.repo}/pull/${c.issue_number}#issuecomment-${c.id}`,
    issue_url: `${origin}${prefix}/repos/${c.owner}/${c.repo}/issues/${c.issue_number}`,
    body: c.body,
    user: { login: c.user.login, id: c.user.id, type: c.user.type, site_admin: false },
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
    performed_via_github_app:
      c.user.login === GITHUB_ACTIONS_BOT.login
        ? { id: 15368, slug: 'github-actions', name: 'GitHub Actions' }
        : null,
  });

  const pullJson = (p: FakePull) => {
    const [headOwner, headName] = p.headRepo.split('/') as [string, string];
    const [baseOwner, baseName] = p.baseRepo.split('/') as [string, string];
    return {
      number: p.number,
      state: p.state,
      title: `Pull request ${p.number}`,
      html_url: `${origin}/${p.baseRepo}/pull/${p.number}`,
      head: {
        label: `${headOwner}:${p.headRef}`,
        ref: p.headRef,
        sha: p.headSha,
        repo: {
          full_name: p.headRepo,
          name: headName,
          owner: { login: headOwner },
          fork: p.headRepo !== p.baseRepo,
        },
      },
      base: {
        label: `${baseOwner}:main`,
        ref: 'main',
        sha: '0'.repeat(40),
        repo: { full_name: p.baseRepo, name: baseName, owner: { login: baseOwner }, fork: false },
      },
    };
  };

  /** One page of a list, with GitHub's `Link` header. */
  const page = <T>(items: T[], url: URL, render: (item: T) => unknown) => {
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), maxPerPage);
    const pageNo = Number(url.searchParams.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    const link = (n: number) => {
      const u = new URL(url.href);
      u.searchParams.set('per_page', String(perPage));
      u.searchParams.set('page', String(n));
      return u.href;
    };
    const rels: string[] = [];
    if (pageNo > 1) rels.push(`<${link(pageNo - 1)}>; rel="prev"`, `<${link(1)}>; rel="first"`);
    if (pageNo < last)
      rels.push(`<${link(pageNo + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
    return json(200, slice.map(render), rels.length ? { link: rels.join(', ') } : {});
  };

  async function handle(
    op: Operation,
    params: Record<string, Json>,
    body: Record<string, Json> | null,
    url: URL,
  ): Promise<Response | null> {
    const repoOf = () => `${params.owner}/${params.repo}`;
    switch (`${op.method} ${op.template}`) {
      case 'GET /user':
        if (identity.type === 'Bot') return json(403, NOT_ACCESSIBLE);
        return json(200, { login: identity.login, id: identity.id, type: identity.type });
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        if (toHold > 0 && !url.searchParams.has('page')) {
          toHold -= 1;
          if (toHold > 0) await new Promise<void>((resolve) => held.push(resolve));
          else {
            for (const release of held) release();
            held = [];
          }
        }
        const list = comments.filter(
          (c) => `${c.owner}/${c.repo}` === repoOf() && c.issue_number === params.issue_number,
        );
        return page(list, url, commentJson);
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        if (options.readOnly) return json(403, NOT_ACCESSIBLE);
        const text = String(body?.body ?? '');
        if (text.length > 65_536) {
          return json(422, {
            message: 'Validation Failed',
            errors: [
              {
                resource: 'IssueComment',
                code: 'custom',
                field: 'body',
                message: 'body is too long (maximum is 65536 characters)',
              },
            ],
          });
        }
        const at = tick();
        const c: FakeComment = {
          id: nextId++,
          owner: String(params.owner),
          repo: String(params.repo),
          issue_number: Number(params.issue_number),
          body: text,
          user: identity,
          created_at: at,
          updated_at: at,
        };
        comments.push(c);
        return json(201, commentJson(c), { location: commentJson(c).url });
      }
      case 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        if (options.readOnly) return json(403, NOT_ACCESSIBLE);
        const c = comments.find(
          (x) => x.id === params.comment_id && `${x.owner}/${x.repo}` === repoOf(),
        );
        if (!c) return json(404, { message: 'Not Found' });
        const text = String(body?.body ?? '');
        if (text.length > 65_536) return json(422, { message: 'Validation Failed' });
        c.body = text;
        c.updated_at = tick();
        return json(200, commentJson(c));
      }
      case 'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        if (options.readOnly) return json(403, NOT_ACCESSIBLE);
        const index = comments.findIndex(
          (x) => x.id === params.comment_id && `${x.owner}/${x.repo}` === repoOf(),
        );
        if (index < 0) return json(404, { message: 'Not Found' });
        comments.splice(index, 1);
        return json(204, null);
      }
      case 'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls': {
        const list = pulls.filter(
          (p) => p.baseRepo === repoOf() && p.headSha === params.commit_sha,
        );
        return page(list, url, pullJson);
      }
      case 'GET /repos/{owner}/{repo}/pulls': {
        const state = String(params.state ?? 'open');
        const head = params.head === undefined ? null : String(params.head);
        const list = pulls.filter(
          (p) =>
            p.baseRepo === repoOf() &&
            (state === 'all' || p.state === state) &&
            (head === null || `${p.headRepo.split('/')[0]}:${p.headRef}` === head),
        );
        return page(list, url, pullJson);
      }
      default:
        return null;
    }
  }

  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url);
      const text =
        request.method === 'GET' || request.method === 'DELETE' ? '' : await request.text();
      const record: RecordedRequest = {
        method: request.method,
        path: url.pathname,
        query: url.search,
        status: 0,
        body: null,
      };
      requests.push(record);
      const respond = (response: Response) => {
        record.status = response.status;
        return response;
      };

      if (!url.pathname.startsWith(`${prefix}/`)) {
        return respond(refuse(404, `outside the API base ${prefix || '/'}`, record));
      }
      const path = url.pathname.slice(prefix.length);
      const candidates = operations.filter((op) => op.regex.test(path));
      if (candidates.length === 0)
        return respond(refuse(404, 'no such path in the OpenAPI description', record));
      const op = candidates.find((o) => o.method === request.method);
      if (!op)
        return respond(refuse(405, `method not allowed for ${candidates[0]?.template}`, record));

      if (request.headers.get('authorization') !== `token ${token}`) {
        return respond(refuse(401, 'Bad credentials', record));
      }

      // Path and query parameters.
      const params: Record<string, Json> = {};
      const match = op.regex.exec(path) as RegExpExecArray;
      const problems: string[] = [];
      op.pathParams.forEach((name, i) => {
        const param = op.params.find((p) => p.in === 'path' && p.name === name);
        const value = decodeURIComponent(match[i + 1] as string);
        params[name] = coerce(value, param?.schema);
        if (param) {
          const v = validatorFor(ajv, op.paramSchema(param));
          if (!v(params[name])) problems.push(`path ${name}: ${ajv.errorsText(v.errors)}`);
        }
      });
      for (const [name, value] of url.searchParams) {
        const param = op.params.find((p) => p.in === 'query' && p.name === name);
        if (!param) {
          problems.push(`unknown query parameter ${name}`);
          continue;
        }
        params[name] = coerce(value, param.schema);
        const v = validatorFor(ajv, op.paramSchema(param));
        if (!v(params[name])) problems.push(`query ${name}: ${ajv.errorsText(v.errors)}`);
      }
      for (const p of op.params) {
        if (p.in === 'query' && p.required && !url.searchParams.has(p.name)) {
          problems.push(`missing query parameter ${p.name}`);
        }
      }

      // JSON body.
      let body: Record<string, Json> | null = null;
      if (text) {
        if (!op.bodyRef) problems.push('a body where the operation takes none');
        else {
          try {
            body = JSON.parse(text);
          } catch {
            problems.push('body is not JSON');
          }
          const v = validatorFor(ajv, op.bodyRef);
          if (body !== null && !v(body)) problems.push(`body: ${ajv.errorsText(v.errors)}`);
        }
      } else if (op.bodyRequired) {
        problems.push('missing required body');
      }
      if (problems.length) return respond(refuse(422, problems.join('; '), record));
      record.body = body;

      const response = await handle(op, params, body, url);
      if (!response)
        return respond(
          refuse(501, `the fake does not implement ${op.method} ${op.template}`, record),
        );
      return respond(response);
    },
  });
  origin = `http://127.0.0.1:${server.port}`;

  return {
    url: `${origin}${prefix}`,
    origin,
    token,
    comments,
    pulls,
    requests,
    violations,
    seedComment(seed) {
      const at = tick();
      const c: FakeComment = {
        id: nextId++,
        owner: 'acme',
        repo: 'webapp',
        user: { login: 'octocat', id: 583231, type: 'User' },
        created_at: at,
        updated_at: at,
        ...seed,
      };
      comments.push(c);
      return c;
    },
    commentsOn: (issue) => comments.filter((c) => c.issue_number === issue),
    stop: () => server.stop(true),
  };
}
