// `npm run bench -- <name>`: benchmarks that print figures and ratios against a baseline measured
// in the same run. They are measurements, not tests: nothing here passes or fails on a number.
const benches: Record<string, () => Promise<unknown>> = {
  jobs: async () => (await import('./jobs.ts')).benchJobs(process.argv.slice(3)),
  transfer: async () => (await import('./transfer.ts')).benchTransfer(process.argv.slice(3)),
  plan: async () => (await import('./plan.ts')).benchPlan(process.argv.slice(3)),
  gc: async () => (await import('./gc.ts')).benchGc(process.argv.slice(3)),
  ui: async () => (await import('./ui.ts')).benchUi(process.argv.slice(3)),
  startup: async () => (await import('./startup.ts')).benchStartup(process.argv.slice(3)),
  kueue: async () => (await import('./kueue.ts')).benchKueue(process.argv.slice(3)),
  peers: async () => (await import('./peers.ts')).benchPeers(process.argv.slice(3)),
};

const name = process.argv[2] ?? 'jobs';
const bench = benches[name];
if (!bench) {
  console.error(`bench: unknown benchmark '${name}'; known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
await bench();
