import { describe, expect, it } from 'vitest';
import { watchPaths, nextPause } from './live.ts';
import { decideScope } from './scope.ts';

// What the dashboard reads and watches for one user follows their RBAC: cluster-wide only when they
// may list and watch plans and Jobs everywhere, else a namespace at a time where they may list them.
describe('the scope of a user', () => {
  it('is cluster-wide for someone who may list namespaces and read plans and Jobs everywhere', () => {
    const scope = decideScope({ listed: ['b', 'a'], everywhere: true, readable: new Set(['a', 'b']) }, ['a']);
    expect(scope).toEqual({ clusterWide: true, namespaces: ['a', 'b'], refused: [] });
    expect(watchPaths(scope).map((w) => w.path)).toEqual(['/apis/tessera.dev/v1alpha1/computeplans', '/apis/tessera.dev/v1alpha1/jobs']);
  });

  it("is the tenant's own namespace when RBAC covers only it, watched there, and names what they asked for but may not read", () => {
    const scope = decideScope({ listed: undefined, everywhere: false, readable: new Set(['org-b']) }, ['org-b', 'org-a']);
    expect(scope).toEqual({ clusterWide: false, namespaces: ['org-b'], refused: ['org-a'] });
    expect(watchPaths(scope).map((w) => w.path)).toEqual(['/apis/tessera.dev/v1alpha1/namespaces/org-b/computeplans', '/apis/tessera.dev/v1alpha1/namespaces/org-b/jobs']);
  });

  it('keeps to the readable namespaces of someone who may list namespaces but not read Tessera everywhere, without naming the others', () => {
    const scope = decideScope({ listed: ['org-a', 'org-b', 'org-c', 'kube-system'], everywhere: false, readable: new Set(['org-b', 'org-c']) }, ['default']);
    expect(scope).toEqual({ clusterWide: false, namespaces: ['org-b', 'org-c'], refused: ['default'] });
  });

  it('is not cluster-wide for someone who may read plans everywhere but not list namespaces', () => {
    expect(decideScope({ listed: undefined, everywhere: true, readable: new Set(['x']) }, ['x'])).toEqual({ clusterWide: false, namespaces: ['x'], refused: [] });
  });

  it('watches again after a second, backing off to 30 s while refused', () => {
    expect(nextPause(1000, true)).toBe(2000);
    expect(nextPause(20_000, true)).toBe(30_000);
    expect(nextPause(30_000, false)).toBe(1000);
  });
});
