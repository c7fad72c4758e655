import { ApiException, type EventsV1Api, type EventsV1Event } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from './clock.ts';
import { EventRecorder } from './events.ts';
import { createLogger } from './logger.ts';

interface FakeEventsApi {
  api: EventsV1Api;
  created: EventsV1Event[];
  patches: Array<{ name: string; body: unknown }>;
  failNextCreate: (error: unknown) => void;
}

function fakeApi(): FakeEventsApi {
  const created: EventsV1Event[] = [];
  const patches: Array<{ name: string; body: unknown }> = [];
  const api = {
    createNamespacedEvent: vi.fn(({ body }: { body: EventsV1Event }) => {
      created.push(body);
      return Promise.resolve(body);
    }),
    patchNamespacedEvent: vi.fn(({ name, body }: { name: string; body: unknown }) => {
      patches.push({ name, body });
      return Promise.resolve({});
    }),
  };
  return {
    api: api as unknown as EventsV1Api,
    created,
    patches,
    failNextCreate: (error) => void api.createNamespacedEvent.mockRejectedValueOnce(error),
  };
}

const job = { apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', namespace: 'ns', name: 'train', uid: 'uid-1' };
const started = { type: 'Normal', reason: 'Started', action: 'Create', note: 'created the batch Job' } as const;
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function recorder(api: EventsV1Api, clock: ManualClock, maxEntries?: number): EventRecorder {
  return new EventRecorder({ api, component: 'tessera.dev/operator', instance: 'pod-1', logger: createLogger({ level: 'silent' }), clock, maxEntries });
}

describe('EventRecorder', () => {
  it('creates an events.k8s.io/v1 Event about the object', async () => {
    const { api, created } = fakeApi();
    recorder(api, new ManualClock(Date.parse('2030-01-01T00:00:00Z'))).record(job, started);
    await settle();
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      metadata: { namespace: 'ns', name: expect.stringMatching(/^train\.[0-9a-f]+$/) as unknown },
      reportingController: 'tessera.dev/operator',
      reportingInstance: 'pod-1',
      type: 'Normal',
      reason: 'Started',
      note: 'created the batch Job',
      regarding: job,
    });
    expect(JSON.stringify(created[0]?.eventTime)).toBe('"2030-01-01T00:00:00.000000Z"');
  });

  it('does not create the same event twice within 10 minutes; a repeat bumps the series at most once a minute', async () => {
    const { api, created, patches } = fakeApi();
    const clock = new ManualClock(0);
    const events = recorder(api, clock);
    events.record(job, started);
    await settle();
    clock.advance(30_000);
    events.record(job, started);
    await settle();
    expect(patches).toHaveLength(0);
    clock.advance(30_000);
    events.record(job, started);
    await settle();
    expect(created).toHaveLength(1);
    expect(patches).toHaveLength(1);
    expect(patches[0]?.name).toBe(created[0]?.metadata?.name);
    expect(patches[0]?.body).toEqual([{ op: 'add', path: '/series', value: { count: 3, lastObservedTime: expect.any(Date) as unknown } }]);
    clock.advance(10 * 60_000);
    events.record(job, started);
    await settle();
    expect(created).toHaveLength(2);
  });

  it('treats a different note, reason or object as a different event', async () => {
    const { api, created } = fakeApi();
    const events = recorder(api, new ManualClock());
    events.record(job, started);
    events.record(job, { ...started, note: 'other' });
    events.record(job, { ...started, reason: 'Other' });
    events.record({ ...job, uid: 'uid-2' }, started);
    await settle();
    expect(created).toHaveLength(4);
  });

  it('remembers a bounded number of events, forgetting the least recently seen', async () => {
    const { api, created } = fakeApi();
    const events = recorder(api, new ManualClock(), 2);
    events.record(job, { ...started, note: 'a' });
    events.record(job, { ...started, note: 'b' });
    events.record(job, { ...started, note: 'a' });
    events.record(job, { ...started, note: 'c' });
    expect(events.size()).toBe(2);
    events.record(job, { ...started, note: 'a' });
    events.record(job, { ...started, note: 'b' });
    await settle();
    expect(created.map((e) => e.note)).toEqual(['a', 'b', 'c', 'b']);
  });

  it('logs a failed create instead of throwing, and tries again on the next occurrence', async () => {
    const { api, created, failNextCreate } = fakeApi();
    failNextCreate(new ApiException(403, 'Forbidden', '', {}));
    const events = recorder(api, new ManualClock());
    expect(() => events.record(job, started)).not.toThrow();
    await settle();
    events.record(job, started);
    await settle();
    expect(created).toHaveLength(1);
  });
});
