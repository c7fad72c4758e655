/// <reference lib="dom" />
// Small DOM helpers: the page is plain DOM, no framework.

type Child = Node | string | number | undefined | false;

/** An element with attributes (on… keys become listeners) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | ((event: Event) => void) | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (value !== undefined) node.setAttribute(key, value);
  }
  append(node, children);
  return node;
}

function append(node: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === undefined || child === false) continue;
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** A table of rows; `rowAttrs` gives each row's attributes. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly Child[]>, rowAttrs: (i: number) => Record<string, string> = () => ({})): HTMLTableElement {
  return el('table', {}, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))), el('tbody', {}, ...rows.map((cells, i) => el('tr', rowAttrs(i), ...cells.map((c) => el('td', {}, c))))));
}

/** A link to a route of the page. */
export function link(route: string, text: string, attrs: Record<string, string> = {}): HTMLAnchorElement {
  return el('a', { href: `#${route}`, ...attrs }, text);
}

/** A phase as a coloured badge. */
export function badge(phase: string): HTMLSpanElement {
  return el('span', { class: `badge phase-${phase}`, 'data-phase': phase }, phase);
}

/** Reads JSON from the server; throws with its message on an error status. */
export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path);
  const body = (await response.json()) as T & { message?: string; signIn?: string };
  // A session that ended (its token expired, or the dashboard restarted) goes back to the sign-in page.
  if (response.status === 401 && body.signIn?.startsWith('/')) location.assign(body.signIn);
  if (!response.ok) throw new Error(body.message ?? `${path}: HTTP ${response.status}`);
  return body;
}
