import { describe, expect, it } from 'vitest';
import { taskJobName } from './names.ts';

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const long = (prefix: string, length: number): string => `${prefix}${'x'.repeat(length - prefix.length)}`;

describe('taskJobName', () => {
  it.each([
    { name: 'short names are kept whole', plan: 'fl', task: 'r1-train-0', wantStem: 'fl-r1-train-0' },
    { name: 'a long plan name gives way to the task name', plan: long('federated-', 63), task: 'r12-aggregate', wantStem: `${long('federated-', 63).slice(0, 42)}-r12-aggregate` },
    { name: 'a plan name cut at a dash loses the dash', plan: `${'a'.repeat(41)}-tail`, task: 'r12-aggregate', wantStem: `${'a'.repeat(41)}-r12-aggregate` },
    { name: 'a task name too long for both keeps only the task', plan: 'plan', task: long('t', 63), wantStem: long('t', 56) },
  ])('$name', ({ plan, task, wantStem }) => {
    const name = taskJobName(plan, task, 'uid-1', '');
    expect(name).toMatch(new RegExp(`^${wantStem}-[0-9a-f]{6}$`));
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(dnsSubdomain);
  });

  it('is the same for the same plan, task and retry token', () => {
    expect(taskJobName('plan', 't', 'uid-1', 'r1')).toBe(taskJobName('plan', 't', 'uid-1', 'r1'));
  });

  it.each([
    { name: 'another retry token', uid: 'uid-1', token: 'r2' },
    { name: 'another plan uid (a plan re-created under its old name)', uid: 'uid-2', token: 'r1' },
  ])('differs under $name', ({ uid, token }) => {
    expect(taskJobName('plan', 't', uid, token)).not.toBe(taskJobName('plan', 't', 'uid-1', 'r1'));
  });

  it('keeps 5000 tasks of a plan with a maximal name apart', () => {
    const plan = long('p', 63);
    const names = new Set(Array.from({ length: 5000 }, (_, i) => taskJobName(plan, `r${i}-train-${i % 7}`, 'uid-1', '')));
    expect(names.size).toBe(5000);
  });
});
