import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatOutput } from './output.ts';

describe('formatOutput', () => {
  const data = { kind: 'List', items: [{ name: 'a', version: 2 }] };
  const table = (): string => 'NAME   VERSION\na      2';

  it('prints the table by default, without building JSON or YAML', () => {
    expect(formatOutput('table', data, table)).toBe('NAME   VERSION\na      2');
  });

  it('prints JSON that parses back to the data, and never calls the table', () => {
    const text = formatOutput('json', data, () => {
      throw new Error('no table for -o json');
    });
    expect(JSON.parse(text)).toEqual(data);
  });

  it('prints YAML that parses back to the data, with no trailing newline', () => {
    const text = formatOutput('yaml', data, table);
    expect(parse(text)).toEqual(data);
    expect(text.endsWith('\n')).toBe(false);
  });
});
