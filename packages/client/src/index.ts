export type {
  Baseline,
  BaselineInput,
  ComparedFile,
  CompareInput,
  Comparison,
  ComparisonSummary,
  DiffResult,
  ReviewImage,
} from '@upshot/schema';
export {
  type ClientOptions,
  createClient,
  type Dialect,
  type ImgbbUploadResult,
  md5Matches,
  type RetryEvent,
  type UploadManyOptions,
  type UploadManyResult,
  type UploadProgressEvent,
  type UploadRequestOptions,
  type UploadResult,
  type UpshotClient,
} from './client.ts';
export { UpshotError, type UpshotErrorKind } from './errors.ts';
export { describeInput, type UploadInput } from './input.ts';
export { md5Hex } from './md5.ts';
export { toWireParams } from './params.ts';
export {
  conformImage,
  errorFromReply,
  ImgbbData,
  imageObjectOf,
  isErrorEnvelope,
  LooseErrorReply,
  LooseImage,
  LooseUploadReply,
} from './reply.ts';
export type { Clock } from './retry.ts';
export { createReviewClient, type DiffOutcome, type ReviewClient } from './review.ts';
export { VERSION } from './version.ts';
