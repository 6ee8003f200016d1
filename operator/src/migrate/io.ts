// What both runs of `rotor migrate` share, the file conversion (cli.ts) and the live handover
// (live.ts, loaded only with --live): exit codes, parsed flags, injected I/O, the CRD schemas
// and the report. Kept apart so live.ts needs nothing of cli.ts (which loads it).
import { loadRotorKinds } from './crd-schemas.js';
import type { Finding } from './convert.js';
import { InputError } from './inputs.js';
import { formatReport } from './report.js';

export const EXIT = {
  /** Everything carried over. */
  ok: 0,
  /** Something could not be carried over: the report says what and what to do. */
  incomplete: 1,
  /** Bad flags or unreadable input; nothing was written. */
  usage: 2,
  /** --live: the handover did not finish (timeout, API error); the report says where it stopped. */
  handoverFailed: 3,
} as const;

export interface MigrateIO {
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
  writeFile(path: string, text: string): void;
}

export interface MigrateFlags {
  inputs: string[];
  output?: string;
  report?: string;
  recursive: boolean;
  adopt: boolean;
  crds?: string;
  live: boolean;
  namespace?: string;
  dryRun: boolean;
  deleteEso: boolean;
  timeoutMs: number;
  kubeconfig?: string;
  context?: string;
  help: boolean;
}

/** Rotor's CRD schemas; a missing or unreadable --crds folder is an input error (exit 2), not a bug. */
export function loadKinds(dir: string | undefined): ReturnType<typeof loadRotorKinds> {
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
