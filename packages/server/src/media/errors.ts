// Why a file was refused. The upload service maps each reason to the contract's error
// (docs/api.md §2, §4); nothing here knows about HTTP.
export type MediaErrorReason =
  | 'unknown-type'
  | 'unsupported-type'
  | 'invalid-image'
  | 'invalid-video'
  | 'too-many-pixels'
  | 'width-too-large'
  /** An animation with more frames than UPSHOT_MAX_FRAMES, refused from its header. */
  | 'too-many-frames'
  /** The work did not finish within UPSHOT_MEDIA_TIMEOUT_S. */
  | 'timed-out';

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly reason: MediaErrorReason,
    message?: string,
  ) {
    super(message ?? reason);
  }
}
