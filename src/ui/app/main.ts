/// <reference lib="dom" />
import type { ChangeEvent } from '../protocol.ts';
import { renderCatalog } from './catalog-view.ts';
import { el } from './dom.ts';
import type { Filters } from './filter.ts';
import { renderLeaderboard } from './leaderboard-view.ts';
import { renderOverview } from './overview-view.ts';
import { renderPlan } from './plan-view.ts';
import { viewOf, type View } from './routes.ts';
import { renderJob, renderTask } from './task-view.ts';

// The page: a filter bar, the view the fragment names, and a server-sent event stream that makes the
// view read again when something it may show changed. One render at a time; changes during a render
// cause one more.

const filters: Filters = { namespace: '', labels: '', phase: '', metric: '' };
const main = document.getElementById('view')!;
const status = document.getElementById('status')!;
let rendering: Promise<void> | undefined;
let again = false;

function render(view: View): Promise<void> {
  switch (view.kind) {
    case 'overview': return renderOverview(main, filters);
    case 'catalog': return renderCatalog(main, filters);
    case 'plan': return renderPlan(main, view.namespace, view.name);
    case 'leaderboard': return renderLeaderboard(main, view.namespace, view.name, filters.metric);
    case 'job': return renderJob(main, view.namespace, view.name);
    case 'task': return renderTask(main, view);
  }
}

async function renderOnce(): Promise<void> {
  try {
    await render(viewOf(location.hash));
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    status.className = '';
  } catch (error) {
    status.textContent = (error as Error).message;
    status.className = 'problem';
  }
  document.body.dataset.renders = String(Number(document.body.dataset.renders ?? 0) + 1);
}

/** Renders the current view, or once more after the render in progress. */
function refresh(): void {
  if (rendering) {
    again = true;
    return;
  }
  rendering = renderOnce().finally(() => {
    rendering = undefined;
    if (again) {
      again = false;
      refresh();
    }
  });
}

function filterBar(): HTMLElement {
  const input = (key: keyof Filters, placeholder: string): HTMLInputElement => el('input', {
    id: `filter-${key}`, placeholder, oninput: (event) => { filters[key] = (event.target as HTMLInputElement).value; refresh(); },
  });
  return el('div', { id: 'filters' }, input('namespace', 'namespace'), input('labels', 'labels: team=vision'), input('phase', 'phase: Running'), input('metric', 'metric: accuracy > 0.8'));
}

document.getElementById('filter-bar')!.replaceWith(filterBar());
window.addEventListener('hashchange', () => { main.replaceChildren(); refresh(); });
const events = new EventSource('/api/events');
events.onmessage = (message: MessageEvent<string>) => {
  const changes = JSON.parse(message.data) as ChangeEvent[];
  if (changes.length > 0) refresh();
};
refresh();
