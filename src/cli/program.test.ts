import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandNamed, commandTable, tesseraProgram } from './program.ts';

// The command table stands in for the command modules in `tessera --help`, so it must say what
// they say; and a run must load the module of its command, and no other.

/** Every command registered in full, as main.ts did before the table: what the table must match. */
async function fullProgram(): Promise<Command> {
  const program = new Command('tessera').description('Run machine-learning jobs, datasets and compute plans on Kubernetes');
  for (const register of new Set(await Promise.all(commandTable.map((e) => e.load())))) register(program);
  return program;
}

const subcommand = (program: Command, name: string): Command => {
  const found = program.commands.find((c) => c.name() === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
};

describe('tesseraProgram', () => {
  it('lists every command in --help exactly as the full registrations would', async () => {
    const lazy = await tesseraProgram('tessera', ['--help']);
    expect(lazy.helpInformation()).toBe((await fullProgram()).helpInformation());
  });

  it.each(commandTable.map((e) => e.name))('registers %s in full when it runs: its help is the module\'s', async (name) => {
    const lazy = await tesseraProgram('tessera', [name, '--help']);
    const full = await fullProgram();
    expect(subcommand(lazy, name).helpInformation()).toBe(subcommand(full, name).helpInformation());
    expect(subcommand(lazy, name).commands.map((c) => c.name())).toEqual(subcommand(full, name).commands.map((c) => c.name()));
  });

  it('loads no command module for --help, and only the named one for a run', async () => {
    const loaded: string[] = [];
    const table = commandTable.map((e) => ({ ...e, load: () => {
        loaded.push(e.name);
        return Promise.resolve((p: Command) => void p.command(e.name).description(e.description));
      },
    }));
    await tesseraProgram('tessera', ['--help'], table);
    await tesseraProgram('tessera', [], table);
    expect(loaded).toEqual([]);
    const program = await tesseraProgram('tessera', ['plan', 'tree', 'x', '-n', 'ns'], table);
    expect(loaded).toEqual(['plan']);
    expect(program.commands.map((c) => c.name())).toEqual(commandTable.map((e) => e.name));
  });
});

describe('commandNamed', () => {
  it.each([
    [['plan', 'tree', 'p'], 'plan'],
    [['help', 'logs'], 'logs'],
    [['--help'], undefined],
    [[], undefined],
    [['-h', 'gc'], 'gc'],
  ])('%j runs %s', (args, name) => {
    expect(commandNamed(args)).toBe(name);
  });
});
