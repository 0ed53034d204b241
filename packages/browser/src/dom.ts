// Small DOM helpers shared by the page scripts.

/** The element with this id, of this type; throws when the page lacks it (a page bug). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing`);
  return element as T;
}

export function optionalById<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

/** The first element matching the selector inside `root`; throws when there is none. */
export function find<T extends Element = HTMLElement>(root: ParentNode, selector: string): T {
  const element = root.querySelector(selector);
  if (!element) throw new Error(`${selector} is missing`);
  return element as T;
}

/** The JSON the server put in the page (`#page-data`), or null. */
export function pageData<T>(): T | null {
  const node = document.getElementById('page-data');
  return node?.textContent ? (JSON.parse(node.textContent) as T) : null;
}

/** Says something to screen readers through the page's live region. */
export function announce(text: string): void {
  const live = document.getElementById('live');
  if (!live) return;
  live.textContent = '';
  // A new text node after a tick, so the same message is read again.
  setTimeout(() => {
    live.textContent = text;
  }, 30);
}

/** Puts text on the clipboard; falls back to a selected hidden field (older browsers, http). */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    const field = document.createElement('textarea');
    field.value = text;
    field.setAttribute('readonly', '');
    field.style.position = 'fixed';
    field.style.opacity = '0';
    document.body.append(field);
    field.select();
    document.execCommand('copy');
    field.remove();
  }
}

/**
 * Shows that a copy worked: the button says so (its `data-copied` text) and turns green
 * for a moment, and screen readers hear it.
 */
export function copied(button: HTMLElement): void {
  const text = button.getAttribute('data-copied') ?? '';
  const label = button.querySelector('.label');
  const before = label?.textContent ?? null;
  if (label && text) label.textContent = text;
  button.classList.add('copied');
  announce(text);
  setTimeout(() => {
    button.classList.remove('copied');
    if (label && before !== null) label.textContent = before;
  }, 1500);
}
