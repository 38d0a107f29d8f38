/** A tiny element builder and a keyed list: the dashboard's whole "framework". */

type Child = Node | string | number | false | null | undefined;
type Props = Record<string, unknown> & { class?: string; dataset?: Record<string, string> };

/**
 * `h('button', { class: 'primary', onclick: go }, 'Upload')`. Props starting with `on` become listeners,
 * `aria-*`, `data-*`, `role` and `for` become attributes, anything else is set as a property.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value as EventListener);
    } else if (key.includes('-') || key === 'role' || key === 'for') {
      el.setAttribute(key, value === true ? '' : String(value));
    } else (el as unknown as Record<string, unknown>)[key] = value;
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Sets an element's text only when it differs, so an unchanged row costs no DOM write. */
export function setText(el: Node, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** A row of a `KeyedList`: built once for its key, then brought up to date in place. */
export interface KeyedRow<T> {
  el: HTMLElement;
  update(item: T): void;
}

/**
 * A list whose rows are keyed: `set()` builds a row only for a key it has not seen, updates the rows it has (so
 * focus, images and listeners survive live updates), removes the rows whose key is gone, and moves only the rows
 * that are out of order.
 */
export class KeyedList<T> {
  private readonly rows = new Map<string, KeyedRow<T>>();

  constructor(
    readonly element: HTMLElement,
    private readonly create: (item: T) => KeyedRow<T>,
  ) {}

  get size(): number {
    return this.rows.size;
  }

  set(items: ReadonlyArray<readonly [key: string, item: T]>): void {
    const keep = new Set(items.map(([key]) => key));
    for (const [key, row] of this.rows) {
      if (keep.has(key)) continue;
      row.el.remove();
      this.rows.delete(key);
    }
    let cursor: ChildNode | null = this.element.firstChild;
    for (const [key, item] of items) {
      let row = this.rows.get(key);
      if (row) row.update(item);
      else {
        row = this.create(item);
        this.rows.set(key, row);
      }
      if (row.el === cursor) cursor = cursor.nextSibling;
      else this.element.insertBefore(row.el, cursor);
    }
  }
}

/** An inline SVG icon from a 24×24 path; decorative (the button or link carries the words). */
export function icon(path: string, label?: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  } else svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', path);
  svg.appendChild(p);
  return svg;
}

export const ICONS = {
  upload: 'M12 3l5 5h-3v6h-4V8H7l5-5zm-7 14h14v3H5v-3z',
  play: 'M8 5v14l11-7L8 5z',
  pause: 'M7 5h4v14H7V5zm6 0h4v14h-4V5z',
  volume: 'M4 9v6h4l5 4V5L8 9H4zm12.5 3a4.5 4.5 0 0 0-2.5-4v8a4.5 4.5 0 0 0 2.5-4z',
  muted:
    'M4 9v6h4l5 4V5L8 9H4zm12 .4L17.4 8 20 10.6 22.6 8 24 9.4 21.4 12l2.6 2.6-1.4 1.4-2.6-2.6-2.6 2.6-1.4-1.4 2.6-2.6L16 9.4z',
  fullscreen: 'M4 4h6v2H6v4H4V4zm10 0h6v6h-2V6h-4V4zM4 14h2v4h4v2H4v-6zm14 0h2v6h-6v-2h4v-4z',
  copy: 'M8 8h11v13H8V8zm-3-5h11v3H7v10H5V3z',
  back: 'M15 5l-7 7 7 7 1.4-1.4L10.8 12l5.6-5.6L15 5z',
  close: 'M6.4 5L5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6 6.4 5z',
  retry: 'M12 5V2L7 6l5 4V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z',
  film: 'M4 4h16v16H4V4zm2 2v2h2V6H6zm10 0v2h2V6h-2zM6 10v4h12v-4H6zm0 6v2h2v-2H6zm10 0v2h2v-2h-2z',
} as const;
