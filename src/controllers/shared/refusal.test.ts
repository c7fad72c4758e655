import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { refusalMessage } from './refusal.ts';

function apiError(code: number, body: object | string): Error {
  const cause = new ApiException(code, 'refused', typeof body === 'string' ? body : JSON.stringify(body), {});
  return new Error('creating batch Job x', { cause });
}

describe('refusalMessage', () => {
  const invalid = 'Job.batch "a-run-1" is invalid: spec.template.spec.nodeSelector: Invalid value: "eu west": a valid label must be …';
  it.each([
    { name: '422 Invalid: the server says why', error: apiError(422, { kind: 'Status', reason: 'Invalid', message: invalid }), want: invalid },
    { name: '403 from admission: refused', error: apiError(403, { reason: 'Forbidden', message: 'pods "x" is forbidden: violates PodSecurity' }), want: 'pods "x" is forbidden: violates PodSecurity' },
    { name: '403 for a namespace being deleted: refused', error: apiError(403, { message: 'unable to create new content in namespace a because it is being terminated' }), want: 'unable to create new content in namespace a because it is being terminated' },
    { name: '403 exceeded quota: retried, the quota frees up', error: apiError(403, { message: 'jobs.batch "x" is forbidden: exceeded quota: q, requested: count/jobs.batch=1' }), want: undefined },
    { name: '422 without a body: a fallback', error: apiError(422, 'not json'), want: 'the object is invalid' },
    { name: '500: retried', error: apiError(500, { message: 'etcd timeout' }), want: undefined },
    { name: '409: not a refusal', error: apiError(409, { reason: 'AlreadyExists', message: 'exists' }), want: undefined },
    { name: 'no API error at all', error: new Error('ECONNRESET'), want: undefined },
  ])('$name', ({ error, want }) => {
    expect(refusalMessage(error)).toBe(want);
  });

  it('keeps a long message readable', () => {
    expect(refusalMessage(apiError(422, { message: 'x'.repeat(5000) }))?.length).toBe(1024);
  });
});
