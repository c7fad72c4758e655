#!/usr/bin/env node
import { Command, Option } from 'commander';
import { operatorDefaults, parseOperatorOptions } from '../operator/options.ts';
import { runOperator } from '../operator/run.ts';

// The `tessera` command. Subcommands load their code lazily so `tessera --help` stays instant.

const program = new Command('tessera').description('Run machine-learning jobs, datasets and compute plans on Kubernetes');

const opt = (flags: string, description: string, env: string, fallback?: string | boolean): Option => {
  const option = new Option(flags, description).env(env);
  return fallback === undefined ? option : option.default(fallback);
};

program
  .command('operator')
  .description('run the Tessera controller against the current kubeconfig (or in-cluster config)')
  .addOption(opt('--kubeconfig <path>', 'kubeconfig file; default: $KUBECONFIG, ~/.kube/config or in-cluster', 'KUBECONFIG'))
  .addOption(opt('--workers <n>', 'concurrent reconciles', 'TESSERA_WORKERS', operatorDefaults.workers))
  .addOption(opt('--qps <n>', 'client-side API request rate limit', 'TESSERA_QPS', operatorDefaults.qps))
  .addOption(opt('--burst <n>', 'client-side API request burst', 'TESSERA_BURST', operatorDefaults.burst))
  .addOption(new Option('--no-leader-elect', 'run without a lease (one replica only)').env('TESSERA_NO_LEADER_ELECT'))
  .addOption(opt('--lease-namespace <ns>', 'namespace of the leader-election Lease', 'TESSERA_LEASE_NAMESPACE', operatorDefaults.leaseNamespace))
  .addOption(opt('--lease-name <name>', 'name of the leader-election Lease', 'TESSERA_LEASE_NAME', operatorDefaults.leaseName))
  .addOption(opt('--lease-duration-seconds <n>', 'how long a lease holds without renewal', 'TESSERA_LEASE_DURATION_SECONDS', operatorDefaults.leaseDurationSeconds))
  .addOption(opt('--identity <id>', 'this replica in the Lease', 'TESSERA_IDENTITY', operatorDefaults.identity))
  .addOption(opt('--metrics-address <host:port>', 'serves /metrics, /healthz, /readyz', 'TESSERA_METRICS_ADDRESS', operatorDefaults.metricsAddress))
  .addOption(opt('--ttl-seconds-after-finished <n>', 'how long finished batch Jobs stay', 'TESSERA_TTL_SECONDS_AFTER_FINISHED', operatorDefaults.ttlSecondsAfterFinished))
  .addOption(opt('--run-as-user <uid>', 'uid and gid of job containers', 'TESSERA_RUN_AS_USER', operatorDefaults.runAsUser))
  .addOption(opt('--log-level <level>', 'trace, debug, info, warn, error', 'TESSERA_LOG_LEVEL', operatorDefaults.logLevel))
  .action(async (raw: Record<string, unknown>) => {
    await runOperator(parseOperatorOptions(raw));
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`tessera: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
