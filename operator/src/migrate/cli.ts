// `rotor migrate`: flags, input and output, exit codes. The conversion itself is convert.ts.
// I/O is injected so the whole command is unit-tested.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { convertDocuments, hasLosses, type Finding } from './convert.js';
import { loadRotorKinds } from './crd-schemas.js';
import { InputError, readInputs, toYamlStream } from './inputs.js';
import { formatReport } from './report.js';

export const EXIT = {
  /** Everything carried over. */
  ok: 0,
  /** Something could not be carried over: the report says what and what to do. */
  incomplete: 1,
  /** Bad flags or unreadable input; nothing was written. */
  usage: 2,
} as const;

export const MIGRATE_USAGE = `rotor migrate — move External Secrets Operator (ESO) manifests and Secrets to Rotor

Usage:
  rotor migrate [flags] FILE|DIR|- ...      convert ESO YAML to Rotor YAML

Also: kubectl rotor migrate ... (kubectl plugin), npx rotor migrate ... (from a checkout, after npm run build).

Converting files:
  Reads ESO's ExternalSecret, SecretStore, ClusterSecretStore and ClusterExternalSecret
  (external-secrets.io/v1 and v1beta1) from files, directories (their .yaml, .yml and .json
  files) or stdin ("-"), documents separated by ---, and kubectl's List objects. Writes
  them as rotor.dev/v1alpha1 objects: Rotor keeps ESO's field names, so mostly apiVersion
  changes. Each object is checked against Rotor's CRD schemas:
    - a field Rotor does not have is removed (the API server would drop it silently) and reported;
    - an object Rotor would refuse, or cannot serve (non-AWS providers, PushSecret,
      generators, sourceRef, ESO's deprecated template engine v1, ...), is left out of the
      output and reported with what to do instead;
    - a template without engineVersion gets engineVersion: v2, ESO's engine (reported as CHANGED).
  Other objects (Deployments, ConfigMaps, ...) are passed through unchanged, so a whole
  directory of manifests can be converted at once.

Flags:
  -o, --output FILE         write the Rotor YAML here (default: stdout)
      --report FILE         write the report here (default: stderr)
  -R, --recursive           read directories recursively
      --crds DIR            Rotor CRDs to check against (default: the ones shipped with this rotor)
  -h, --help                this text

Exit codes:
  0  everything was converted
  1  something could not be carried over; the report lists each object or field, why, and what to do
  2  usage or input error (bad flag, unreadable file, invalid YAML); nothing was written
`;

export interface MigrateIO {
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
  writeFile(path: string, text: string): void;
}

export const processIO: MigrateIO = {
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  writeFile: (path, text) => writeFileSync(path, text),
};

export interface MigrateFlags {
  inputs: string[];
  output?: string;
  report?: string;
  recursive: boolean;
  crds?: string;
  help: boolean;
}

export class UsageError extends Error {}

export function parseMigrateFlags(argv: string[]): MigrateFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        report: { type: 'string' },
        recursive: { type: 'boolean', short: 'R', default: false },
        crds: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  const flags: MigrateFlags = {
    inputs: parsed.positionals,
    recursive: v.recursive,
    help: v.help,
    ...(v.output !== undefined ? { output: v.output } : {}),
    ...(v.report !== undefined ? { report: v.report } : {}),
    ...(v.crds !== undefined ? { crds: v.crds } : {}),
  };
  if (flags.help) return flags;
  if (flags.inputs.length === 0) throw new UsageError('give FILE, DIR or - (stdin) to convert');
  return flags;
}

export async function runMigrate(argv: string[], io: MigrateIO = processIO): Promise<number> {
  let flags: MigrateFlags;
  try {
    flags = parseMigrateFlags(argv);
  } catch (error) {
    io.stderr(`rotor migrate: ${(error as Error).message}\nRun rotor migrate --help for usage.\n`);
    return EXIT.usage;
  }
  if (flags.help) {
    io.stdout(MIGRATE_USAGE);
    return EXIT.ok;
  }
  try {
    const kinds = loadKinds(flags.crds);
    const inputs = await readInputs(flags.inputs, { recursive: flags.recursive, readStdin: io.readStdin });
    const result = convertDocuments(inputs, kinds);
    const yaml = toYamlStream(result.documents.map((d) => d.object));
    if (flags.output) io.writeFile(flags.output, yaml);
    else io.stdout(yaml);
    writeReport(flags, io, result.findings, {
      converted: result.documents.filter((d) => d.status === 'converted').length,
      passedThrough: result.documents.filter((d) => d.status === 'passed-through').length,
    });
    return hasLosses(result.findings) ? EXIT.incomplete : EXIT.ok;
  } catch (error) {
    if (error instanceof InputError || error instanceof UsageError) {
      io.stderr(`rotor migrate: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

function loadKinds(dir: string | undefined): ReturnType<typeof loadRotorKinds> {
  try {
    return loadRotorKinds(dir);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
}

export function writeReport(flags: Pick<MigrateFlags, 'report'>, io: MigrateIO, findings: Finding[], counts: { converted: number; passedThrough: number }, extra = ''): void {
  const notConverted = new Set(findings.filter((f) => f.level === 'not-converted').map((f) => `${f.object}@${f.source}`)).size;
  const text = formatReport(findings, { ...counts, notConverted }) + extra;
  if (flags.report) io.writeFile(flags.report, text);
  else io.stderr(text);
}
