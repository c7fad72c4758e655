import type { Command } from 'commander';
import type { Predictor } from '../api/predictor.ts';

// `tessera predict NAME --data FILE.json`: one prediction from a Predictor, through the API
// server's service proxy as the user (so RBAC decides: `create` on services/proxy in the
// namespace), never around it. The Predictor is read first, for its port and so that a missing one
// reads as kubectl says it (`predictors.tessera.dev "x" not found`) rather than as a proxy error.

interface PredictFlags {
  namespace?: string;
  data: string;
}

/** The service-proxy path of a Predictor's POST /predict. */
export function predictProxyPath(namespace: string, name: string, port: number): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(`${name}-predictor`)}:${port}/proxy/predict`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The data file's JSON, or a CliError naming the file. */
export async function readPredictData(file: string): Promise<unknown> {
  const { readFile } = await import('node:fs/promises');
  const { CliError } = await import('./errors.ts');
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`error: cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`error: ${file} is not JSON`);
  }
}

async function predict(name: string, flags: PredictFlags): Promise<void> {
  const { connect } = await import('./kube-connection.ts');
  const { readTessera } = await import('./apply-tessera.ts');
  const { kubeText } = await import('./kube-request.ts');
  const { defaultPredictorPort } = await import('../api/predictor.ts');
  const body = await readPredictData(flags.data);
  const conn = await connect(flags.namespace);
  const predictor = await readTessera<Predictor>(conn, 'predictors', conn.namespace, name);
  const port = predictor.spec.port ?? defaultPredictorPort;
  const answer = await kubeText(conn, { method: 'POST', path: predictProxyPath(conn.namespace, name, port), body });
  process.stdout.write(answer.endsWith('\n') ? answer : `${answer}\n`);
}

/** Registers `tessera predict`. */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description("send data to a Predictor's POST /predict through the API server, as you, and print its answer")
    .argument('<predictor>', 'the Predictor')
    .requiredOption('--data <file>', 'a JSON file to send (- reads standard input)')
    .option('-n, --namespace <ns>', "the namespace; default: the kubeconfig context's")
    .action(predict);
}
