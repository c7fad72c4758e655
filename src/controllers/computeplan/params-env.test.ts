import { describe, expect, it } from 'vitest';
import { paramsEnv, paramText } from './params-env.ts';

describe('paramsEnv', () => {
  it('gives each parameter its TESSERA_PARAM_ variable and all of them as JSON, sorted by name', () => {
    expect(paramsEnv({ lr: 0.001, optimizer: 'adam', batchSize: 64, warm: true })).toEqual([
      { name: 'TESSERA_PARAMS', value: '{"batchSize":64,"lr":0.001,"optimizer":"adam","warm":true}' },
      { name: 'TESSERA_PARAM_BATCHSIZE', value: '64' },
      { name: 'TESSERA_PARAM_LR', value: '0.001' },
      { name: 'TESSERA_PARAM_OPTIMIZER', value: 'adam' },
      { name: 'TESSERA_PARAM_WARM', value: 'true' },
    ]);
  });

  it('gives nothing without parameters', () => {
    expect(paramsEnv(undefined)).toBeUndefined();
    expect(paramsEnv({})).toBeUndefined();
  });

  it('writes numbers as JSON does', () => {
    expect(paramText(1e-7)).toBe('1e-7');
    expect(paramText('1e-7')).toBe('1e-7');
  });
});
