/// <reference lib="dom" />
import type { CatalogRow } from '../protocol.ts';
import { el, getJson, table } from './dom.ts';
import { passes, type Filters } from './filter.ts';

// Datasets and Algos the user can see, with their readiness and what they hold.

/** Renders the catalog, narrowed by namespace and labels. */
export async function renderCatalog(root: HTMLElement, filters: Filters): Promise<void> {
  const rows = (await getJson<CatalogRow[]>('/api/catalog')).filter((r) => passes({ ...filters, phase: '', metric: '' }, { ...r, phase: r.ready }));
  const of = (kind: CatalogRow['kind']): HTMLTableElement => table(['NAMESPACE', 'NAME', 'READY', 'REASON', 'DETAIL'], rows.filter((r) => r.kind === kind).map((r) => [r.namespace, r.name, r.ready, r.reason ?? '', r.detail]), () => ({ class: `${kind.toLowerCase()}-row` }));
  root.replaceChildren(el('h2', {}, 'Datasets'), of('Dataset'), el('h2', {}, 'Algos'), of('Algo'));
}
