import { Option } from 'commander';

// The `-o, --output` option every read command takes, as kubectl's `-o`. Apart from src/cli/output.ts
// (which loads the YAML library) because commands register it at start-up and `--help` stays instant.

/** The formats `-o` accepts. */
export const outputFormats = ['table', 'json', 'yaml'] as const;
/** A format `-o` accepts. */
export type OutputFormat = (typeof outputFormats)[number];

/** The `-o, --output` option of a read command: a table for people by default, JSON or YAML for scripts. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(outputFormats).default('table');
}
