// Kita's element types, named here: the runtime module declares its own JSX namespace,
// which would hide the global one Kita declares.
import type {} from '@kitajs/html';

export type KitaIntrinsicElements = JSX.IntrinsicElements;
