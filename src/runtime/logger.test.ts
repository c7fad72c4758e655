import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture(): { lines: Array<Record<string, unknown>>; destination: { write: (line: string) => void } } {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, destination: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

describe('createLogger', () => {
  it('redacts credentials at the top level, one and two levels down, and in headers', () => {
    const { lines, destination } = capture();
    createLogger({ destination }).info(
      {
        token: 't',
        user: { token: 't', password: 'p', 'client-key-data': 'k', clientKey: 'k' },
        s3: { secretAccessKey: 's', bucket: 'b' },
        req: { headers: { authorization: 'Bearer t', accept: 'json' } },
        headers: { Authorization: 'Bearer t' },
      },
      'connecting',
    );
    expect(lines[0]).toMatchObject({
      token: '[REDACTED]',
      user: { token: '[REDACTED]', password: '[REDACTED]', 'client-key-data': '[REDACTED]', clientKey: '[REDACTED]' },
      s3: { secretAccessKey: '[REDACTED]', bucket: 'b' },
      req: { headers: { authorization: '[REDACTED]', accept: 'json' } },
      headers: { Authorization: '[REDACTED]' },
    });
  });

  it('writes JSON with the name, level and message, and honours the level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 'op', level: 'warn', destination });
    log.info('hidden');
    log.child({ controller: 'job' }).warn('shown');
    expect(lines).toEqual([expect.objectContaining({ name: 'op', level: 'warn', controller: 'job', msg: 'shown' })]);
  });

  it('writes each level as its name, never as pino\'s number', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'trace', destination });
    log.trace('t');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    log.fatal('f');
    expect(lines.map((l) => l.level)).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
  });
});
