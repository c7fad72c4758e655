import { describe, expect, it } from 'vitest';
import { makeTask } from '../../../test/support/plan-builders.ts';
import { buildDag, descendants, orderDag } from './dag.ts';

/** Tasks from `child<-parent,parent` specs: `['a', 'b<-a', 'c<-a,b']`. */
function graph(specs: string[]): ReturnType<typeof buildDag> {
  return buildDag(
    specs.map((spec) => {
      const [name, parents = ''] = spec.split('<-');
      const task = makeTask(name!);
      parents.split(',').filter(Boolean).forEach((p, i) => task.from(`in-${i}`, p));
      return task.obj();
    }),
  );
}

const namesOf = (dag: ReturnType<typeof buildDag>, indices: Iterable<number>): string[] => [...indices].map((i) => dag.names[i]!).sort();

describe('buildDag', () => {
  it('links each task to the tasks whose outputs it reads, each once', () => {
    const dag = buildDag([makeTask('a').obj(), makeTask('b').from('x', 'a', 'model').from('y', 'a', 'stats').obj()]);
    expect(dag.parents).toEqual([[], [0]]);
    expect(dag.children).toEqual([[1], []]);
  });

  it('keeps references to tasks the plan lacks apart', () => {
    const dag = graph(['a', 'b<-a,ghost']);
    expect(dag.unknownParents).toEqual([[], ['ghost']]);
    expect(dag.parents[1]).toEqual([0]);
  });
});

describe('orderDag', () => {
  it.each([
    { name: 'a chain', specs: ['a', 'b<-a', 'c<-b'], wantRanks: [0, 1, 2] },
    { name: 'a diamond', specs: ['a', 'b<-a', 'c<-a', 'd<-b,c'], wantRanks: [0, 1, 1, 2] },
    { name: 'a long and a short path to one task', specs: ['a', 'b<-a', 'c<-b', 'd<-a,c'], wantRanks: [0, 1, 2, 3] },
    { name: 'children listed before parents', specs: ['c<-b', 'b<-a', 'a'], wantRanks: [2, 1, 0] },
    { name: 'a parent the plan lacks', specs: ['b<-ghost'], wantRanks: [0] },
  ])('ranks $name', ({ specs, wantRanks }) => {
    const ordered = orderDag(graph(specs));
    if (!ordered.acyclic) throw new Error(`unexpected cycle ${ordered.cycle.join(' -> ')}`);
    expect(ordered.ranks).toEqual(wantRanks);
    const position = new Map(ordered.order.map((task, at) => [task, at]));
    const dag = graph(specs);
    for (const [child, parents] of dag.parents.entries()) for (const p of parents) expect(position.get(p)).toBeLessThan(position.get(child)!);
  });

  it.each([
    { name: 'two tasks reading each other', specs: ['a<-b', 'b<-a'], wantCycle: ['a', 'b', 'a'] },
    { name: 'a task reading itself', specs: ['x', 'a<-a'], wantCycle: ['a', 'a'] },
    { name: 'a loop behind a healthy prefix, with a task downstream of it', specs: ['root', 'd<-c', 'b<-root,d', 'c<-b', 'tail<-c'], wantCycle: ['d', 'b', 'c', 'd'] },
    { name: 'a loop of three in data-flow order', specs: ['a<-c', 'b<-a', 'c<-b'], wantCycle: ['a', 'b', 'c', 'a'] },
  ])('finds $name', ({ specs, wantCycle }) => {
    const ordered = orderDag(graph(specs));
    expect(ordered.acyclic).toBe(false);
    if (!ordered.acyclic) expect(ordered.cycle).toEqual(wantCycle);
  });

  it('orders a 5000-task chain without recursion', () => {
    const specs = Array.from({ length: 5000 }, (_, i) => (i === 0 ? 't0' : `t${i}<-t${i - 1}`));
    const ordered = orderDag(graph(specs));
    expect(ordered.acyclic && ordered.ranks.at(-1)).toBe(4999);
  });
});

describe('descendants', () => {
  const dag = graph(['a', 'b<-a', 'c<-b', 'd', 'e<-c,d']);

  it.each([
    { roots: ['a'], want: ['b', 'c', 'e'] },
    { roots: ['d'], want: ['e'] },
    { roots: ['e'], want: [] },
    { roots: ['b', 'd'], want: ['c', 'e'] },
  ])('of $roots → $want', ({ roots, want }) => {
    expect(namesOf(dag, descendants(dag, roots.map((r) => dag.index.get(r)!)))).toEqual(want);
  });
});
