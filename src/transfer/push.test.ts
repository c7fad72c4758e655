import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransferRefusedError, type TransferClient } from './client.ts';
import type { CommitResponse } from './protocol.ts';
import { pushRun } from './push.ts';

// The commit's refusals as the operator sends them; the store and the operator are not involved
// (every blob is "already held", so no PUT is made): this is the push's retry decision alone.

let root = '';
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-push-'));
  await mkdir(join(root, 'outputs', 'model'), { recursive: true });
  await writeFile(join(root, 'outputs', 'model', 'weights.bin'), 'weights');
});
afterEach(() => rm(root, { recursive: true, force: true }));

const committed: CommitResponse = { outputs: [{ name: 'model', digest: `sha256:${'a'.repeat(64)}`, files: 1, bytes: 7 }] };

/** A client whose commits answer, in turn, each of `answers` (a reason refuses, `ok` commits). */
function clientAnswering(answers: ReadonlyArray<string>): TransferClient & { sessions: string[]; commits: Array<string | undefined> } {
  let uploads = 0;
  const sessions: string[] = [];
  const commits: Array<string | undefined> = [];
  const client = {
    sessions,
    commits,
    run: () => Promise.resolve({ namespace: 'a', job: 'j', inputs: [], outputs: ['model'], mainExitCode: 0 }),
    download: () => Promise.reject(new Error('not called')),
    upload: () => {
      const session = `session-${++uploads}`;
      sessions.push(session);
      return Promise.resolve({ manifestExists: false, uploads: [], session });
    },
    renew: () => Promise.resolve({ renewed: true }),
    commit: (outputs: ReadonlyArray<{ session?: string }>) => {
      commits.push(outputs[0]?.session);
      const answer = answers[commits.length - 1] ?? 'ok';
      return answer === 'ok' ? Promise.resolve(committed) : Promise.reject(new TransferRefusedError('POST /v1/commit', answer, 'refused'));
    },
    indexList: () => Promise.reject(new Error('not called')),
    indexCommit: () => Promise.reject(new Error('not called')),
  };
  return client;
}

describe('a push whose commit is refused', () => {
  it('sends its outputs again under a new session when another push overwrote a blob (BlobMissing), then commits', async () => {
    const client = clientAnswering(['BlobMissing', 'ok']);
    const retries: unknown[] = [];
    const report = await pushRun(client, root, { onRetry: (error) => retries.push(error) });
    expect(report.committed).toEqual(committed);
    expect(client.commits).toEqual(['session-1', 'session-2']);
    expect(retries).toHaveLength(1);
  });

  it('gives up after three rounds of BlobMissing, with the operator\'s refusal', async () => {
    const client = clientAnswering(['BlobMissing', 'BlobMissing', 'BlobMissing', 'ok']);
    await expect(pushRun(client, root)).rejects.toThrow(/BlobMissing/);
    expect(client.commits).toHaveLength(3);
  });

  it.each(['InvalidRequest', 'Forbidden', 'InvalidFileSet'])('does not send again for %s: the answer would not change', async (reason) => {
    const client = clientAnswering([reason, 'ok']);
    await expect(pushRun(client, root)).rejects.toThrow(reason);
    expect(client.commits).toEqual(['session-1']);
  });
});
