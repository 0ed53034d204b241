// Visual review: an Upshot extension of the API (not in Chevereto). A run on a branch
// records that branch's screenshots as a baseline set; a pull request run compares its
// screenshots, by name, with the latest set of its base branch. Both need a user key: the
// sets belong to the key's user. `POST /api/1/diff` compares two images sent in the request.
import { type Static, Type } from '@sinclair/typebox';
import './formats.ts';

/** Bounds of the review requests. */
export const ReviewLimits = {
  /** Screenshots in one set or one comparison. */
  maxFiles: 2_000,
  nameMaxLength: 500,
  projectMaxLength: 200,
  branchMaxLength: 255,
  commitMaxLength: 64,
  /** pixelmatch's per-pixel colour tolerance, 0 to 1. */
  defaultThreshold: 0.1,
} as const;

const DateTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$',
  description: 'UTC, YYYY-MM-DD HH:MM:SS',
});
const Project = Type.String({
  minLength: 1,
  maxLength: ReviewLimits.projectMaxLength,
  description: 'What the screenshots belong to; the action uses `<owner>/<repo>#<comment-header>`',
});
const Branch = (description: string) =>
  Type.String({ minLength: 1, maxLength: ReviewLimits.branchMaxLength, description });
const Commit = Type.String({ maxLength: ReviewLimits.commitMaxLength });

/** One screenshot of a request: its name and an image the key's user uploaded. */
export const ReviewFileInput = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: ReviewLimits.nameMaxLength,
      description: 'The screenshot, by the path relative to the folder it was found in',
    }),
    image_id: Type.String({
      minLength: 1,
      maxLength: 32,
      description: "`id_encoded` of a live image of the key's user",
    }),
  },
  { $id: 'ReviewFileInput' },
);
export type ReviewFileInput = Static<typeof ReviewFileInput>;

const Files = Type.Array(ReviewFileInput, {
  maxItems: ReviewLimits.maxFiles,
  description: 'Names must be unique',
});

/** `POST /api/1/baselines`: record a branch's set of screenshots. */
export const BaselineInput = Type.Object(
  {
    project: Project,
    branch: Branch('The branch the run was on, e.g. main'),
    commit: Type.Optional(Commit),
    files: Files,
  },
  { $id: 'BaselineInput' },
);
export type BaselineInput = Static<typeof BaselineInput>;

/** An image a set or a comparison points at. */
export const ReviewImage = Type.Object(
  {
    id: Type.String({ description: 'id_encoded' }),
    url: Type.String({ format: 'uri', description: 'The full image' }),
    preview_url: Type.String({
      format: 'uri',
      description: 'The medium (500 px wide) when there is one, else the full image',
    }),
    viewer_url: Type.String({ format: 'uri' }),
    width: Type.Integer({ minimum: 0 }),
    height: Type.Integer({ minimum: 0 }),
    md5: Type.String({ pattern: '^[0-9a-f]{32}$' }),
  },
  { $id: 'ReviewImage' },
);
export type ReviewImage = Static<typeof ReviewImage>;

export const BaselineFile = Type.Object(
  {
    name: Type.String(),
    md5: Type.String({ pattern: '^[0-9a-f]{32}$' }),
    width: Type.Integer({ minimum: 0 }),
    height: Type.Integer({ minimum: 0 }),
    image: Type.Union([ReviewImage, Type.Null()], {
      description: 'null once the image has expired or was deleted',
    }),
  },
  { $id: 'BaselineFile' },
);
export type BaselineFile = Static<typeof BaselineFile>;

export const Baseline = Type.Object(
  {
    id: Type.String(),
    project: Type.String(),
    branch: Type.String(),
    commit: Type.Union([Type.String(), Type.Null()]),
    created_at: DateTime,
    files: Type.Array(BaselineFile),
  },
  { $id: 'Baseline' },
);
export type Baseline = Static<typeof Baseline>;

export const BaselineReply = Type.Object(
  {
    status_code: Type.Literal(200),
    baseline: Baseline,
    status_txt: Type.Literal('OK'),
  },
  { $id: 'BaselineReply' },
);
export type BaselineReply = Static<typeof BaselineReply>;

/** `POST /api/1/compare`: compare screenshots with the latest set of the base branch. */
export const CompareInput = Type.Object(
  {
    project: Project,
    base_branch: Branch('The branch to compare with: the pull request base'),
    head_branch: Type.Optional(Branch('The branch of the screenshots, for the review page')),
    commit: Type.Optional(Commit),
    pull_request: Type.Optional(Type.Integer({ minimum: 1 })),
    threshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        default: ReviewLimits.defaultThreshold,
        description: "Per-pixel colour tolerance (pixelmatch's threshold)",
      }),
    ),
    files: Files,
  },
  { $id: 'CompareInput' },
);
export type CompareInput = Static<typeof CompareInput>;

export const ComparisonStatus = Type.Union(
  [
    Type.Literal('changed'),
    Type.Literal('added'),
    Type.Literal('removed'),
    Type.Literal('unchanged'),
  ],
  {
    description:
      'unchanged: same bytes, or the same size and no pixel over the threshold; changed: anything else (a size change too); added: not in the baseline; removed: only in the baseline',
  },
);
export type ComparisonStatus = Static<typeof ComparisonStatus>;

export const ComparedFile = Type.Object(
  {
    name: Type.String(),
    status: ComparisonStatus,
    before: Type.Union([ReviewImage, Type.Null()], { description: 'The baseline image' }),
    after: Type.Union([ReviewImage, Type.Null()], { description: 'The new image' }),
    diff: Type.Union([ReviewImage, Type.Null()], {
      description:
        'changed files: unchanged pixels faded, changed ones red, over the area both images cover',
    }),
    size_changed: Type.Boolean(),
    changed_pixels: Type.Integer({
      minimum: 0,
      description: 'Pixels over the threshold, plus those only one image covers',
    }),
    total_pixels: Type.Integer({
      minimum: 0,
      description: 'The larger width times the larger height',
    }),
    changed_ratio: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { $id: 'ComparedFile' },
);
export type ComparedFile = Static<typeof ComparedFile>;

export const ComparisonSummary = Type.Object(
  {
    changed: Type.Integer({ minimum: 0 }),
    added: Type.Integer({ minimum: 0 }),
    removed: Type.Integer({ minimum: 0 }),
    unchanged: Type.Integer({ minimum: 0 }),
  },
  { $id: 'ComparisonSummary' },
);
export type ComparisonSummary = Static<typeof ComparisonSummary>;

export const Comparison = Type.Object(
  {
    id: Type.String(),
    url: Type.String({ format: 'uri', description: 'The review page' }),
    project: Type.String(),
    base_branch: Type.String(),
    head_branch: Type.Union([Type.String(), Type.Null()]),
    commit: Type.Union([Type.String(), Type.Null()]),
    pull_request: Type.Union([Type.Integer(), Type.Null()]),
    threshold: Type.Number(),
    created_at: DateTime,
    baseline: Type.Union(
      [
        Type.Object({
          id: Type.String(),
          commit: Type.Union([Type.String(), Type.Null()]),
          created_at: DateTime,
        }),
        Type.Null(),
      ],
      { description: 'null when the base branch has no set yet: every file is added' },
    ),
    summary: ComparisonSummary,
    files: Type.Array(ComparedFile, {
      description: 'Changed, added, removed, then unchanged; by name within each',
    }),
  },
  { $id: 'Comparison' },
);
export type Comparison = Static<typeof Comparison>;

export const ComparisonReply = Type.Object(
  {
    status_code: Type.Literal(200),
    comparison: Comparison,
    status_txt: Type.Literal('OK'),
  },
  { $id: 'ComparisonReply' },
);
export type ComparisonReply = Static<typeof ComparisonReply>;

const Size = Type.Object({
  width: Type.Integer({ minimum: 0 }),
  height: Type.Integer({ minimum: 0 }),
});

/** `POST /api/1/diff` (multipart `a`, `b`, `threshold`): two images compared, nothing stored. */
export const DiffResult = Type.Object(
  {
    identical: Type.Boolean({ description: 'The same bytes' }),
    changed: Type.Boolean(),
    a: Size,
    b: Size,
    size_changed: Type.Boolean(),
    width: Type.Integer({ minimum: 0, description: 'Of the diff image: the overlap' }),
    height: Type.Integer({ minimum: 0 }),
    changed_pixels: Type.Integer({ minimum: 0 }),
    total_pixels: Type.Integer({ minimum: 0 }),
    changed_ratio: Type.Number({ minimum: 0, maximum: 1 }),
    threshold: Type.Number(),
    image: Type.Union([Type.String({ contentEncoding: 'base64' }), Type.Null()], {
      description: 'The diff as a base64 PNG when something changed',
    }),
  },
  { $id: 'DiffResult' },
);
export type DiffResult = Static<typeof DiffResult>;

export const DiffReply = Type.Object(
  {
    status_code: Type.Literal(200),
    diff: DiffResult,
    status_txt: Type.Literal('OK'),
  },
  { $id: 'DiffReply' },
);
export type DiffReply = Static<typeof DiffReply>;
