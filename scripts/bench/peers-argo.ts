import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterEnv } from '../../test/support/cluster-env.ts';
import { freePort } from '../../test/support/operator.ts';
import { waitFor } from '../../test/support/wait.ts';

// Argo Workflows' workflow-controller as the peer of Tessera's operator: built from its Go module by
// build-parts.sh (never by default), its CRDs applied from the same module, run as a local process
// against the local cluster with the admin kubeconfig, as Tessera's operator runs in the benches.
//
// No Argo executor runs on kwok nodes (kwok runs no containers), so no WorkflowTaskResult is ever
// written. Argo v4 waits for a task result only once one exists and says its outputs are incomplete
// (workflow/controller/taskresult.go: MarkTaskResultIncomplete is only called for a result labelled
// report-outputs-completed=false); with none, a node follows its pod's phase, so a pod kwok ends
// Succeeded ends its node. The workflows here have no outputs, so nothing is lost by that.

const scripts = fileURLToPath(new URL('../', import.meta.url));
const runDir = process.env.TESSERA_RUN_DIR ?? '/tmp/tessera-cluster';

/** The pinned version and the cache directory of a peer, as versions.sh names them. */
export function peerPart(name: 'ARGO' | 'RCLONE'): { version: string; dir: string } {
  const out = execFileSync('bash', ['-c', `source "${scripts}versions.sh" && echo "$${name}_VERSION $${name}_BIN"`], { encoding: 'utf8' }).trim();
  const [version = '', dir = ''] = out.split(' ');
  return { version, dir };
}

/** Builds a peer through build-parts.sh (a no-op once cached). */
export function buildPeer(part: 'argo' | 'rclone'): void {
  execFileSync('bash', [join(scripts, 'build-parts.sh'), part], { stdio: 'inherit' });
}

function kubectl(args: string[], input?: string): string {
  const env = clusterEnv();
  return execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** Applies Argo's CRDs from the module the controller was built from. */
export function installArgoCrds(dir: string): void {
  const crds = join(dir, 'crds');
  for (const file of readdirSync(crds).filter((f) => f.endsWith('.yaml'))) kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(crds, file)]);
  kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/workflows.argoproj.io', 'crd/workflowtaskresults.argoproj.io']);
}

/** The requeue time the bench gives Argo, undefined for Argo's default (10 s). */
export function argoRequeueTime(): string | undefined {
  return process.env.TESSERA_BENCH_ARGO_REQUEUE_TIME || undefined;
}

/** A running workflow-controller. */
export interface RunningArgo {
  readonly process: ChildProcess;
  readonly logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts the controller cluster-wide (as Argo's cluster install does) with its configuration in
 * `namespace`: metrics on a free loopback port, no leader election (one replica, as Tessera's
 * operator runs with --no-leader-elect in the benches), the client QPS and burst given.
 */
export async function startArgo(dir: string, namespace: string, client: { qps: number; burst: number }): Promise<RunningArgo> {
  const metricsPort = await freePort();
  kubectl(['create', 'namespace', namespace]);
  const metrics = `enabled: true\nport: ${metricsPort}\nsecure: false\n`;
  kubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'workflow-controller-configmap' }, data: { metricsConfig: metrics } }));
  const logDir = join(runDir, 'logs', 'peers');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `argo-${namespace}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const env = clusterEnv();
  const args = ['--kubeconfig', env.kubeconfig, '--namespace', namespace, '--configmap', 'workflow-controller-configmap', '--qps', String(client.qps), '--burst', String(client.burst), '--loglevel', 'warn'];
  // Argo reconciles a workflow at most once per DEFAULT_REQUEUE_TIME (10 s unless set; its code calls
  // 2 s reasonable for many short nodes): TESSERA_BENCH_ARGO_REQUEUE_TIME sets it for a tuned run.
  const requeue = argoRequeueTime();
  const child = spawn(join(dir, 'workflow-controller'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LEADER_ELECTION_DISABLE: 'true', ...(requeue ? { DEFAULT_REQUEUE_TIME: requeue } : {}) },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  await waitFor(`Argo's workflow-controller serving metrics (log ${logFile})`, async () => {
    if (exited()) throw new Error(`workflow-controller exited with ${child.exitCode}; see ${logFile}`);
    return (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok;
  });
  return {
    process: child,
    logFile,
    async stop() {
      if (!exited()) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        // v4.0.7 catches SIGTERM and SIGINT only to flush its start-up logs, and goes on running
        // (util/logging/init.go): in a pod, the kubelet's SIGKILL after the grace period ends it.
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }
      kubectl(['delete', 'namespace', namespace, '--wait=false']);
    },
  };
}
