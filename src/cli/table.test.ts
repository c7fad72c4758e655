import { describe, expect, it } from 'vitest';
import { formatTable } from './table.ts';

describe('formatTable', () => {
  it.each([
    { name: 'a header alone', header: ['NAME', 'VERSION'], rows: [], want: 'NAME   VERSION' },
    {
      name: 'columns as wide as their widest cell, three spaces apart',
      header: ['NAME', 'V', 'DIGEST'],
      rows: [
        ['cifar', '12', 'sha256:ab'],
        ['a', '3', 'sha256:cd'],
      ],
      want: ['NAME    V    DIGEST', 'cifar   12   sha256:ab', 'a       3    sha256:cd'].join('\n'),
    },
    {
      name: 'no trailing spaces after a short last cell',
      header: ['NAME', 'MESSAGE'],
      rows: [['a', 'a long message'], ['bb', '']],
      want: ['NAME   MESSAGE', 'a      a long message', 'bb'].join('\n'),
    },
    {
      name: 'a row with fewer cells than the header',
      header: ['NAME', 'READY', 'AGE'],
      rows: [['longer-name'], ['x', 'True', '1m']],
      want: ['NAME          READY   AGE', 'longer-name', 'x             True    1m'].join('\n'),
    },
  ])('$name', ({ header, rows, want }) => {
    expect(formatTable(header, rows)).toBe(want);
  });
});
