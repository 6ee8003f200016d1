// JSON logs (pino) that censor every field that may carry a secret. This is the second line
// of defence: code must still never log a value, but an object logged by mistake (a Secret,
// an AWS response, a credentials object, request headers) comes out as [REDACTED].
//
// Two mechanisms, because fixed redact paths only reach the depths they name:
//   - pino `redact` with the known paths (top level, one and two levels down, SSM/Batch shapes);
//   - a `formatters.log` pass that censors those field names at any depth of the logged object
//     (it runs before serialisation, on a copy: the caller's object is never modified).
import pino, { type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

/** Field names that hold secret material in Kubernetes, AWS SDK and HTTP shapes. */
export const SECRET_FIELD_NAMES: readonly string[] = [
  'data', // Secret.data
  'stringData', // Secret.stringData
  'value', // generic values, RemoteSecret.value
  'Value', // SSM Parameter.Value
  'SecretString', // Secrets Manager GetSecretValue / BatchGetSecretValue
  'SecretBinary',
  'token', // ServiceAccount token, TokenRequest status
  'secretAccessKey', // AWS credentials (SDK v3 shape)
  'SecretAccessKey', // AWS credentials (STS response shape)
  'sessionToken',
  'SessionToken',
  'credentials',
  'Credentials',
  'password',
  'authorization', // HTTP headers
  'Authorization',
];

const SECRET_FIELDS = new Set(SECRET_FIELD_NAMES);

/** pino redact paths: each field at the top level, one and two levels down, plus SSM/Batch array shapes. */
export const REDACT_PATHS: string[] = [
  ...SECRET_FIELD_NAMES.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  'Parameter.Value',
  '*.Parameter.Value',
  'Parameters[*].Value',
  '*.Parameters[*].Value',
  'SecretValues[*].SecretString',
  '*.SecretValues[*].SecretString',
  'SecretValues[*].SecretBinary',
  '*.SecretValues[*].SecretBinary',
  'headers.authorization',
  '*.headers.authorization',
];

/**
 * A copy of `value` with every secret-named field replaced by [REDACTED], at any depth.
 * Errors, Buffers and Dates are left to pino's serialisers; cycles become "[Circular]".
 */
export function censorSecrets(value: unknown, ancestors: Set<object> = new Set()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error || ArrayBuffer.isView(value) || value instanceof Date) return value;
  if (ancestors.has(value)) return '[Circular]';
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => censorSecrets(item, ancestors));
    const copy: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      copy[key] = SECRET_FIELDS.has(key) && field !== undefined ? REDACTED : censorSecrets(field, ancestors);
    }
    return copy;
  } finally {
    ancestors.delete(value);
  }
}

export interface LoggerOptions {
  /** pino level: trace, debug, info, warn, error, fatal, or silent. Default info. */
  level?: Level | 'silent';
  /** Where lines go; default stdout. Tests pass a stream to capture output. */
  destination?: DestinationStream;
  /** Fields on every line, e.g. {component: 'rotor'}. */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? {},
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        // "level":"info" reads better in kubectl logs than "level":30.
        level: (label) => ({ level: label }),
        log: (object) => censorSecrets(object) as Record<string, unknown>,
        // Child logger bindings (logger.child({...})) do not pass through `log`.
        bindings: (bindings) => censorSecrets(bindings) as Record<string, unknown>,
      },
    },
    options.destination,
  );
}
