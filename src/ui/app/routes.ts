// The page's routes, in the URL's fragment (#/plan/ns/name): the server serves one page. Pure.

/** A view of the page. */
export type View =
  | { kind: 'overview' }
  | { kind: 'catalog' }
  | { kind: 'plan'; namespace: string; name: string }
  | { kind: 'leaderboard'; namespace: string; name: string }
  | { kind: 'job'; namespace: string; name: string }
  | { kind: 'task'; namespace: string; plan: string; task: string };

const byName = new Set(['plan', 'leaderboard', 'job']);

function namedView(kind: string, parts: readonly string[]): View | undefined {
  if (parts.some((p) => p === '')) return undefined;
  if (byName.has(kind) && parts.length === 2) return { kind: kind as 'plan', namespace: parts[0]!, name: parts[1]! };
  if (kind === 'task' && parts.length === 3) return { kind, namespace: parts[0]!, plan: parts[1]!, task: parts[2]! };
  return undefined;
}

/** The view a fragment names; the overview for anything else. */
export function viewOf(hash: string): View {
  const [kind = '', ...parts] = hash.replace(/^#?\/?/, '').split('/').map(decodeURIComponent);
  return namedView(kind, parts) ?? (kind === 'catalog' ? { kind } : { kind: 'overview' });
}
