import { stringify } from 'yaml';
import type { OutputFormat } from './output-option.ts';

// What a read command prints for its `-o`. Pure: commands hand it the data and a table of it.

/** `data` as JSON or YAML, else `table()`; without a trailing newline, which console.log adds. */
export function formatOutput(format: OutputFormat, data: unknown, table: () => string): string {
  if (format === 'json') return JSON.stringify(data, null, 2);
  if (format === 'yaml') return stringify(data).trimEnd();
  return table();
}
