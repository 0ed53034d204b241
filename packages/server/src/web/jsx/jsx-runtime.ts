// The JSX runtime of the pages (tsconfig `jsxImportSource: "@upshot/server"`). Elements and
// their attributes are Kita's (@kitajs/html: typed tags, attributes escaped), with one
// difference that matters: text children are escaped by default. Only an `Html` value (what
// an element renders to, or `raw()` for a vetted fragment such as an inline SVG icon) is
// inserted as it is, so a forgotten `safe` can never let user text in as markup.
import { escapeHtml, isVoidElement } from '@kitajs/html';
import type { KitaIntrinsicElements } from './kita-types.ts';

/** Markup that is already safe: rendered elements, or a vetted fragment. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may stand between tags: text (escaped), numbers, markup, lists; nothing for the rest. */
export type Child = Html | string | number | bigint | boolean | null | undefined | readonly Child[];

/** A vetted fragment (an icon from the package, JSON in a script tag) inserted as it is. */
export const raw = (value: string): Html => new Html(value);

function renderChild(child: Child): string {
  if (child === null || child === undefined || child === false || child === true) return '';
  if (child instanceof Html) return child.value;
  if (Array.isArray(child)) return (child as readonly Child[]).map(renderChild).join('');
  return escapeHtml(String(child));
}

/** Renders a list of children to one trusted fragment. */
export const fragment = (children: Child): Html => new Html(renderChild(children));

type Props = { children?: Child; [attribute: string]: unknown };

/**
 * Attributes as HTML: every value escaped (`<` too, not only quotes), `true` as a bare
 * attribute, and false, null or undefined left out.
 */
function attributesToString(attributes: Record<string, unknown>): string {
  let out = '';
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    out += value === true ? ` ${name}` : ` ${name}="${escapeHtml(String(value))}"`;
  }
  return out;
}
type Component = (props: Props) => Html;

export function jsx(type: string | Component, props: Props): Html {
  if (typeof type === 'function') return type(props);
  const { children, ...attributes } = props;
  const open = `<${type}${attributesToString(attributes)}>`;
  if (isVoidElement(type)) return new Html(open);
  return new Html(`${open}${renderChild(children)}</${type}>`);
}

export const jsxs = jsx;
export const jsxDEV = jsx;

export function Fragment(props: { children?: Child }): Html {
  return fragment(props.children);
}

/** Standard attributes Kita's types leave out. */
interface Extra {
  video: { playsinline?: boolean; preload?: string };
  a: { hreflang?: string };
}

type Elements = {
  [K in keyof KitaIntrinsicElements]: Omit<KitaIntrinsicElements[K], 'children' | 'safe'> & {
    children?: Child;
  } & (K extends keyof Extra ? Extra[K] : unknown);
};

export declare namespace JSX {
  type Element = Html;
  interface ElementChildrenAttribute {
    children: unknown;
  }
  interface IntrinsicElements extends Elements {}
}
