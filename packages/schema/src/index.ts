export * from './envelopes.ts';
export * from './errors.ts';
export * from './formats.ts';
export * from './ids.ts';
export * from './image.ts';
export * from './params.ts';
export * from './tag.ts';
export * from './variant.ts';
