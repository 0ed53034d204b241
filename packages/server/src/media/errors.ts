// Why a file was refused. The upload service maps each reason to the contract's error
// (CONTRACT.md §2, §4); nothing here knows about HTTP.
export type MediaErrorReason =
  | 'unknown-type'
  | 'unsupported-type'
  | 'invalid-image'
  | 'invalid-video'
  | 'too-many-pixels'
  | 'width-too-large';

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly reason: MediaErrorReason,
    message?: string,
  ) {
    super(message ?? reason);
  }
}
