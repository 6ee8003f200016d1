// Reads the YAML `rotor migrate` converts: files, directories (their .yaml/.yml/.json files)
// and "-" for stdin, each possibly holding many documents; and writes YAML back.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { InputDocument } from './convert.js';

export class InputError extends Error {}

export interface InputOptions {
  recursive: boolean;
  readStdin: () => Promise<string>;
}

export async function readInputs(paths: string[], options: InputOptions): Promise<InputDocument[]> {
  const documents: InputDocument[] = [];
  for (const path of paths) {
    if (path === '-') {
      documents.push(...parseDocuments(await options.readStdin(), 'stdin'));
      continue;
    }
    for (const file of expand(path, options.recursive)) documents.push(...parseDocuments(readText(file), file));
  }
  return documents;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function expand(path: string, recursive: boolean): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!stat.isDirectory()) return [path];
  const files: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...expand(full, true));
    } else if (/\.(ya?ml|json)$/.test(entry.name)) {
      files.push(full);
    }
  }
  return files;
}

/** Every non-empty document of a YAML stream; a syntax error names the source and line. */
export function parseDocuments(text: string, source: string): InputDocument[] {
  const out: InputDocument[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line;
      throw new InputError(`${source}${line ? `:${line}` : ''}: not valid YAML: ${error.message.split('\n')[0]}`);
    }
    const object: unknown = doc.toJS();
    if (object === null || object === undefined) return;
    if (isList(object)) {
      // `kubectl get -o yaml` of several objects gives a List.
      object.items.forEach((item, i) => out.push({ source: `${source}#${index + 1}.items[${i}]`, object: item }));
      return;
    }
    out.push({ source: `${source}#${index + 1}`, object });
  });
  return out;
}

function isList(o: unknown): o is { items: unknown[] } {
  return typeof o === 'object' && o !== null && (o as { kind?: unknown }).kind === 'List' && Array.isArray((o as { items?: unknown }).items);
}

export function toYamlStream(objects: unknown[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}
