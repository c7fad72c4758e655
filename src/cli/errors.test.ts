import { describe, expect, it } from 'vitest';
import { CliError, describeError, unservedResource } from './errors.ts';
import { HttpAnswerError } from './kube-request.ts';

/** An error shaped as client-node 2.x throws for an HTTP error answer (its ApiException). */
function apiException(code: number, body: string): Error {
  const error = new Error(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ${JSON.stringify(body)}\nHeaders: {"audit-id":"1","content-type":"application/json"}`);
  return Object.assign(error, { code, body });
}

/** The same answers as the CLI's own client (kube-request.ts) throws them: worded the same. */
const shapes = [
  ['client-node', apiException],
  ['kube-request', (code: number, body: string): Error => new HttpAnswerError(code, body)],
] as const;

function refused(address: string, port: number): Error {
  const cause = Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), { code: 'ECONNREFUSED', address, port });
  return new Error(`request to https://${address}:${port}/apis failed, reason: connect ECONNREFUSED`, { cause });
}

describe('describeError', () => {
  it.each([
    [404, { kind: 'Status', reason: 'NotFound', message: 'computeplans.tessera.dev "x" not found' }, 'Error from server (NotFound): computeplans.tessera.dev "x" not found'],
    [403, { kind: 'Status', reason: 'Forbidden', message: 'jobs.tessera.dev "j" is forbidden: User "alice" cannot get resource "jobs"' }, 'Error from server (Forbidden): jobs.tessera.dev "j" is forbidden: User "alice" cannot get resource "jobs"'],
  ])('words an HTTP %i Status as kubectl does, without the HTTP exchange', (code, status, expected) => {
    for (const [, shape] of shapes) {
      const text = describeError(shape(code, JSON.stringify(status)));
      expect(text).toBe(expected);
      expect(text).not.toMatch(/HTTP-Code|HTTP \d|Headers|audit-id/);
    }
  });

  it.each(shapes)('says the resource is not served when a 404 is no Status (the CRDs are missing): %s', (_, shape) => {
    expect(describeError(shape(404, '404 page not found\n'))).toMatch(/^error: the server doesn't have the resource type .*is Tessera installed/);
  });

  it.each(shapes)('words an answer without a Status by its code: %s', (_, shape) => {
    expect(describeError(shape(502, 'Bad Gateway'))).toBe('Error from server (502): the server answered HTTP 502');
  });

  it('says which server refused the connection, as kubectl does', () => {
    expect(describeError(refused('127.0.0.1', 59999))).toBe('The connection to the server 127.0.0.1:59999 was refused - did you specify the right host or port?');
  });

  it('prints a CLI error as worded, and any other error with its causes', () => {
    expect(describeError(new CliError('Job a/b has no saved log'))).toBe('Job a/b has no saved log');
    expect(describeError(new Error('outer', { cause: new Error('inner') }))).toBe('tessera: outer: inner');
  });
});

describe('unservedResource', () => {
  it.each(shapes)('names the resource the server does not serve: %s', (_, shape) => {
    expect(describeError(unservedResource(shape(404, '404 page not found\n'), 'computeplans.tessera.dev'))).toBe(
      'error: the server doesn\'t have a resource type "computeplans.tessera.dev": is Tessera installed (kubectl get crd computeplans.tessera.dev)?',
    );
  });

  it.each(shapes)('leaves a NotFound Status alone: the object is missing, not its kind: %s', (_, shape) => {
    const error = shape(404, JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'jobs.tessera.dev "x" not found' }));
    expect(unservedResource(error, 'jobs.tessera.dev')).toBe(error);
  });
});
