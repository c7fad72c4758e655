import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/** The logger every runtime and controller function takes: pino's, so child() and levels are its. */
export type Logger = PinoLogger;

/** Field names that carry credentials in kubeconfigs, S3 settings and HTTP headers. */
const secretFields = [
  'token',
  'bearerToken',
  'accessToken',
  'refreshToken',
  'idToken',
  'sessionToken',
  'password',
  'secret',
  'secretAccessKey',
  'clientKey',
  'clientKeyData',
  'client-key-data',
  'apiKey',
  'authorization',
  'Authorization',
  'cookie',
];

/**
 * Redaction paths for those fields at the top level and one or two levels down (so
 * `headers.authorization` and `req.headers.authorization` too). fast-redact matches exact depths: a
 * secret nested deeper is not caught, so never log whole kubeconfigs or SDK clients.
 */
export const redactPaths: string[] = secretFields.flatMap((field) => {
  // Names that are not identifiers (client-key-data) need fast-redact's bracket syntax.
  const top = /^\w+$/.test(field) ? field : `["${field}"]`;
  const child = top.startsWith('[') ? top : `.${top}`;
  return [top, `*${child}`, `*.*${child}`];
});

/**
 * A JSON logger to stdout (or `destination`, for tests) with credentials redacted. Levels: trace,
 * debug, info (default), warn, error, fatal, silent; each line says its level as a word.
 */
export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const options = {
    level: opts.level ?? 'info',
    name: opts.name,
    redact: { paths: redactPaths, censor: '[REDACTED]' },
    // ISO time instead of epoch millis: these logs are read by people during incidents.
    timestamp: pino.stdTimeFunctions.isoTime,
    // "level":"warn", not 40: log pipelines (Loki, Elasticsearch, kubectl logs | grep) read the word.
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
