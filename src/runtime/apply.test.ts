import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { ConflictError, jsonEqual, patchStatusIfChanged } from './apply.ts';

interface Thing {
  metadata: { name: string; resourceVersion: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string; reason?: string }> };
}

const thing = (status?: Thing['status']): Thing =>
  Object.freeze({ metadata: Object.freeze({ name: 'a', resourceVersion: '7' }), status: status && Object.freeze(status) });

const conflict = (): ApiException<string> => new ApiException(409, 'Conflict', JSON.stringify({ kind: 'Status', reason: 'Conflict', code: 409 }), {});

describe('patchStatusIfChanged', () => {
  it('skips the write when the status is the same, whatever the key order or undefined members', async () => {
    const write = vi.fn((obj: Thing) => Promise.resolve(obj));
    const current = thing({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
    const desired = { conditions: [{ status: 'True', type: 'Ready', reason: undefined }], phase: 'Running' };
    expect(await patchStatusIfChanged({ current, desiredStatus: desired, write })).toBe('unchanged');
    expect(write).not.toHaveBeenCalled();
  });

  it('writes a copy carrying the new status and the cached resourceVersion, leaving the cached object alone', async () => {
    const write = vi.fn((obj: Thing) => Promise.resolve(obj));
    const current = thing({ phase: 'Pending' });
    expect(await patchStatusIfChanged({ current, desiredStatus: { phase: 'Running' }, write })).toBe('written');
    expect(write).toHaveBeenCalledWith({ metadata: { name: 'a', resourceVersion: '7' }, status: { phase: 'Running' } });
    expect(current.status).toEqual({ phase: 'Pending' });
  });

  it('writes when there was no status yet', async () => {
    const write = vi.fn((obj: Thing) => Promise.resolve(obj));
    expect(await patchStatusIfChanged({ current: thing(), desiredStatus: { phase: 'Pending' }, write })).toBe('written');
  });

  it('throws ConflictError on 409 when the stored status differs', async () => {
    const reread = vi.fn(() => Promise.resolve(thing({ phase: 'Failed' })));
    const result = patchStatusIfChanged({ current: thing({ phase: 'Pending' }), desiredStatus: { phase: 'Running' }, write: () => Promise.reject(conflict()), reread });
    await expect(result).rejects.toBeInstanceOf(ConflictError);
    expect(reread).toHaveBeenCalledOnce();
  });

  it('reports unchanged on 409 when the fresh object already has the desired status', async () => {
    const result = await patchStatusIfChanged({
      current: thing({ phase: 'Pending' }),
      desiredStatus: { phase: 'Running' },
      write: () => Promise.reject(conflict()),
      reread: () => Promise.resolve(thing({ phase: 'Running' })),
    });
    expect(result).toBe('unchanged');
  });

  it('passes other errors through untouched', async () => {
    const boom = new ApiException(500, 'boom', '', {});
    const result = patchStatusIfChanged<Thing>({ current: thing(), desiredStatus: { phase: 'x' }, write: () => Promise.reject(boom) });
    await expect(result).rejects.toBe(boom);
  });
});

describe('jsonEqual', () => {
  it('compares a Date with the string the server stores', () => {
    expect(jsonEqual({ at: new Date('2030-01-01T00:00:00.000Z') }, { at: '2030-01-01T00:00:00.000Z' })).toBe(true);
  });

  it('sees a changed array order as a change', () => {
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });
});
