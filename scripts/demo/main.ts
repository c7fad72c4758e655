// `npm run demo` (after scripts/cluster.sh up): Tessera installed with its chart on the local
// cluster, the federated example's data and code pushed with the CLI, its plan applied with kubectl,
// followed live, and its leaderboard printed. Every run starts the plan afresh.
import type { ComputePlan } from '../../src/api/computeplan.ts';
import { applyPlan, examplePlan, followPlan, prepareFederation, resetFederation, tessera } from './federated.ts';
import { tesseraImage } from '../../test/support/image.ts';
import { installTessera, release } from './install.ts';

const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s`;
const say = (line: string): void => console.log(`[demo ${elapsed()}] ${line}`);

say(`installing Tessera with its Helm chart (release ${release.name} in ${release.namespace}); the operator runs on the real node`);
installTessera();
const federation = examplePlan();
say(`federated logistic regression: hospitals ${federation.hospitals.join(', ')} keep their data, ${federation.aggregator} aggregates`);
resetFederation(federation);
await prepareFederation(federation, tesseraImage, (line) => say(line.split('\n').at(-1) ?? line));
say(`kubectl apply -f examples/federated/plan.yaml`);
applyPlan();

const progress = (plan: ComputePlan): void => {
  const { phase = 'Pending', progress: done = '', round = '-', counts = { total: 0 }, best } = plan.status ?? {};
  const running = `running ${counts.running ?? 0}, succeeded ${counts.succeeded ?? 0}`;
  say(`plan ${phase}  ${done}  round ${round}  ${running}${best ? `  best ${best}` : ''}`);
};
const plan = await followPlan(federation, progress);
console.log('');
console.log(tessera(['plan', 'leaderboard', federation.plan.metadata.name, '-n', federation.aggregator]));
if (plan.status?.phase !== 'Succeeded') {
  console.error(`demo: the plan ended ${plan.status?.phase}: ${JSON.stringify(plan.status?.conditions?.find((c) => c.type === 'Ready'))}`);
  process.exit(1);
}
// Commands that work as printed, from this checkout: bin/tessera runs the CLI on the project's Node 24.
const planRef = `${federation.plan.metadata.name} -n ${federation.aggregator}`;
const bestTask = plan.status?.performances?.[0]?.task;
say('done. Try, in this checkout:');
console.log(`  export KUBECONFIG=${process.env.KUBECONFIG ?? '/tmp/tessera-cluster/kubeconfig'}`);
console.log(`  bin/tessera plan tree ${planRef}`);
if (bestTask) console.log(`  bin/tessera logs ${federation.plan.metadata.name}/${bestTask} -n ${federation.aggregator}`);
console.log(`  ${process.env.TESSERA_KUBECTL ?? 'kubectl'} get tessera -A`);
// The dashboard's address holds a secret of each run, so `tessera ui` prints it; the plan is a route of it.
console.log(`  bin/tessera ui     # the dashboard: open the address it prints, http://127.0.0.1:8765/?token=…`);
console.log(`                     # then http://127.0.0.1:8765/#/plan/${federation.aggregator}/${federation.plan.metadata.name} is the plan's DAG,`);
console.log(`                     # http://127.0.0.1:8765/#/leaderboard/${federation.aggregator}/${federation.plan.metadata.name} its leaderboard`);
console.log('scripts/cluster.sh down stops the cluster.');
