import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResilientInformer, type ChangeKind, type WatchClient } from './informer.ts';
import { createLogger } from './logger.ts';

type Query = Record<string, string | number | boolean | undefined>;

/** A stand-in for client-node's Watch: each watch() call is a connection the test drives. */
class FakeWatch implements WatchClient {
  connections: Array<{ query: Query; emit: (type: string, obj: object) => void; close: (err: unknown) => void; aborted: boolean }> = [];

  watch(_path: string, query: Query, callback: (phase: string, apiObj: unknown) => void, done: (err: unknown) => void): Promise<AbortController> {
    const controller = new AbortController();
    let ended = false;
    const close = (err: unknown): void => {
      if (ended) return;
      ended = true;
      done(err);
    };
    const connection = { query, emit: (type: string, obj: object) => !ended && callback(type, obj), close, aborted: false };
    controller.signal.addEventListener('abort', () => {
      connection.aborted = true;
      close(new DOMException('aborted', 'AbortError'));
    });
    this.connections.push(connection);
    return Promise.resolve(controller);
  }

  get last(): FakeWatch['connections'][number] {
    const connection = this.connections.at(-1);
    if (!connection) throw new Error('no watch connection yet');
    return connection;
  }
}

const pod = (name: string, rv: string, extra: Record<string, unknown> = {}): KubernetesObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'ns', name, resourceVersion: rv, ...extra },
});

interface Setup {
  informer: ResilientInformer<KubernetesObject>;
  watch: FakeWatch;
  list: ReturnType<typeof vi.fn<() => Promise<{ items: KubernetesObject[]; metadata: { resourceVersion: string } }>>>;
  events: Array<[ChangeKind, string | undefined]>;
}

function setup(initial: KubernetesObject[], rv = '10'): Setup {
  const watch = new FakeWatch();
  const list = vi.fn(() => Promise.resolve({ items: initial, metadata: { resourceVersion: rv } }));
  const informer = new ResilientInformer<KubernetesObject>({
    kc: new KubeConfig(),
    path: '/api/v1/pods',
    list,
    labelSelector: 'app=x',
    relistMs: 60_000,
    logger: createLogger({ level: 'silent' }),
    name: 'pods',
    watch,
  });
  const events: Setup['events'] = [];
  informer.onChange((obj, kind) => events.push([kind, obj.metadata?.name]));
  return { informer, watch, list, events };
}

describe('ResilientInformer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('syncs from the list, emits add for each object, then watches from the list resourceVersion', async () => {
    const { informer, watch, events } = setup([pod('a', '5'), pod('b', '6')]);
    expect(informer.hasSynced()).toBe(false);
    await informer.start();
    expect(informer.hasSynced()).toBe(true);
    expect(events).toEqual([
      ['add', 'a'],
      ['add', 'b'],
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.last.query).toMatchObject({ resourceVersion: '10', labelSelector: 'app=x', allowWatchBookmarks: true });
    informer.stop();
  });

  it('applies watch events to the cache before handlers see them, and resumes from the last resourceVersion', async () => {
    const { informer, watch, events } = setup([pod('a', '5')]);
    const seen: Array<string | undefined> = [];
    informer.onChange((obj) => seen.push(informer.get('ns', obj.metadata?.name ?? '')?.metadata?.resourceVersion));
    await informer.start();
    await vi.advanceTimersByTimeAsync(0);
    watch.last.emit('MODIFIED', pod('a', '11'));
    watch.last.emit('ADDED', pod('c', '12'));
    watch.last.emit('DELETED', pod('a', '13'));
    watch.last.emit('BOOKMARK', { metadata: { resourceVersion: '20' } });
    expect(events.slice(1)).toEqual([
      ['update', 'a'],
      ['add', 'c'],
      ['delete', 'a'],
    ]);
    expect(seen).toEqual(['5', '11', '12', undefined]);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['c']);
    await vi.advanceTimersByTimeAsync(15_000);
    watch.last.close(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.connections).toHaveLength(2);
    expect(watch.last.query.resourceVersion).toBe('20');
    informer.stop();
  });

  it('after a watch failure, relists after a backoff and reports what changed while it was down', async () => {
    const { informer, watch, list, events } = setup([pod('a', '5'), pod('b', '6')]);
    await informer.start();
    await vi.advanceTimersByTimeAsync(0);
    list.mockResolvedValue({ items: [pod('a', '30'), pod('c', '31')], metadata: { resourceVersion: '40' } });
    watch.last.close(Object.assign(new Error('Internal Server Error'), { statusCode: 500 }));
    await vi.advanceTimersByTimeAsync(999);
    expect(list).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(list).toHaveBeenCalledTimes(2);
    expect(events.slice(2)).toEqual([
      ['update', 'a'],
      ['add', 'c'],
      ['delete', 'b'],
    ]);
    expect(watch.last.query.resourceVersion).toBe('40');
    informer.stop();
  });

  it('backs off longer on repeated failures, up to 30 s', async () => {
    const { informer, watch, list } = setup([]);
    await informer.start();
    for (const delay of [1000, 2000, 4000]) {
      await vi.advanceTimersByTimeAsync(0);
      const calls = list.mock.calls.length;
      watch.last.close(new Error('connection reset'));
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(list).toHaveBeenCalledTimes(calls);
      await vi.advanceTimersByTimeAsync(1);
      expect(list).toHaveBeenCalledTimes(calls + 1);
    }
    informer.stop();
  });

  it('relists at once, without backoff, when the watch says 410 Gone', async () => {
    const { informer, watch, list } = setup([pod('a', '5')]);
    await informer.start();
    await vi.advanceTimersByTimeAsync(0);
    watch.last.emit('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' });
    await vi.advanceTimersByTimeAsync(0);
    expect(list).toHaveBeenCalledTimes(2);
    expect(watch.connections[0]?.aborted).toBe(true);
    informer.stop();
  });

  it('relists and replaces the watch periodically, so a silently dead watch recovers', async () => {
    const { informer, watch, list } = setup([pod('a', '5')]);
    await informer.start();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(list).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(list).toHaveBeenCalledTimes(2);
    expect(watch.connections[0]?.aborted).toBe(true);
    expect(watch.connections).toHaveLength(2);
    informer.stop();
  });

  it('keeps retrying a failing first list, and start() resolves once one succeeds', async () => {
    const { informer, list } = setup([pod('a', '5')]);
    list.mockRejectedValueOnce(new Error('connection refused')).mockRejectedValueOnce(new Error('connection refused'));
    let synced = false;
    void informer.start().then(() => (synced = true));
    await vi.advanceTimersByTimeAsync(2999);
    expect(synced).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(synced).toBe(true);
    expect(list).toHaveBeenCalledTimes(3);
    informer.stop();
  });

  it('caches listed objects in wire form, timestamps as strings like watch events carry them', async () => {
    const { informer } = setup([pod('a', '5', { creationTimestamp: new Date('2030-01-01T00:00:00Z') })]);
    await informer.start();
    expect(informer.get('ns', 'a')?.metadata?.creationTimestamp).toBe('2030-01-01T00:00:00Z');
    informer.stop();
  });

  it('stops watching and listing on stop()', async () => {
    const { informer, watch, list } = setup([pod('a', '5')]);
    await informer.start();
    await vi.advanceTimersByTimeAsync(0);
    informer.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(watch.connections).toHaveLength(1);
    expect(watch.last.aborted).toBe(true);
    expect(list).toHaveBeenCalledTimes(1);
  });

  it('keeps going when a handler throws', async () => {
    const { informer, watch, events } = setup([]);
    informer.onChange(() => {
      throw new Error('handler bug');
    });
    await informer.start();
    await vi.advanceTimersByTimeAsync(0);
    watch.last.emit('ADDED', pod('a', '11'));
    watch.last.emit('ADDED', pod('b', '12'));
    expect(events).toEqual([
      ['add', 'a'],
      ['add', 'b'],
    ]);
    informer.stop();
  });
});
