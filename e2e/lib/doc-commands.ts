// Reads the shell commands of a doc (its ```sh blocks) as bash would run them, so tests can
// run or check each one and the doc cannot drift from what is tested: continuation lines are
// joined, heredocs kept with their command, `;` and `|` split, comments dropped, and each
// command's argv is produced by bash itself (variables from the doc's own assignments).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface DocCommand {
  /** The command as written (one line, continuations joined), without its heredoc body. */
  text: string;
  /** Heredoc body, if the command has one (`<<EOF`). */
  heredoc?: string;
  /** `> file` redirection target, if any (removed from `text`). */
  redirect?: string;
  /** Index of the sh block it is in. */
  block: number;
}

export function shBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([^]*?)^```$/gm)].map((m) => m[1]!);
}

/** Splits `text` at `sep` where it is outside quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (text.startsWith(sep, i)) {
      parts.push(current.trim());
      current = '';
      i += sep.length - 1;
      continue;
    }
    current += c;
  }
  parts.push(current.trim());
  return parts.filter((p) => p !== '');
}

export function docCommands(markdown: string): DocCommand[] {
  const commands: DocCommand[] = [];
  shBlocks(markdown).forEach((block, index) => {
    const lines = block.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
      line = line.replace(/\s{2,}#.*$/, '').replace(/^\s*#.*$/, '').trim();
      if (!line) continue;
      let heredoc: string | undefined;
      const marker = /<<\s*'?(\w+)'?/.exec(line);
      if (marker) {
        const body: string[] = [];
        while (++i < lines.length && lines[i] !== marker[1]) body.push(lines[i]!);
        heredoc = `${body.join('\n')}\n`;
        line = line.replace(marker[0], '').trim();
      }
      for (const statement of splitOutsideQuotes(line, '; ')) {
        const redirect = /\s>\s*(\S+)$/.exec(statement);
        const text = redirect ? statement.slice(0, redirect.index).trim() : statement;
        commands.push({ text, block: index, ...(heredoc !== undefined ? { heredoc } : {}), ...(redirect ? { redirect: redirect[1]! } : {}) });
      }
    }
  });
  return commands;
}

/** The programs of a command line: each stage of its pipeline. */
export function programsOf(command: DocCommand): string[][] {
  return splitOutsideQuotes(command.text, ' | ').map((stage) => stage.split(/\s+/));
}

/** `NAME=...` / `export NAME=...` lines, one assignment per statement. */
export function isAssignment(command: DocCommand): boolean {
  return /^(export\s+)?[A-Z_][A-Z0-9_]*=/.test(command.text);
}

/**
 * The doc's assignments as a bash prelude. One that runs a command (`$(aws ...)`) is replaced by
 * `values[NAME]`, which the test must give; `skip` leaves assignments out (e.g. an optional step's).
 */
export function assignments(commands: DocCommand[], values: Record<string, string>, skip: string[] = []): string {
  return commands
    .filter(isAssignment)
    .flatMap((c) => {
      const names = [...c.text.matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]!);
      if (names.some((n) => skip.includes(n))) return [];
      if (!c.text.includes('$(')) return [c.text];
      return names.map((n) => {
        if (values[n] === undefined) throw new Error(`"${c.text}" runs a command: give the test a value for ${n}`);
        return `export ${n}=${JSON.stringify(values[n])}`;
      });
    })
    .join('\n');
}

/**
 * The argv bash builds for `command` after `prelude` (the doc's assignments): the program is
 * replaced by a function that prints its arguments, so nothing runs.
 */
export function argvOf(command: DocCommand, prelude: string, cwd: string): string[] {
  const program = command.text.split(/\s+/, 1)[0]!;
  const script = `set -eo pipefail\n${prelude}\n${program}() { printf '%s\\0' "$@"; }\n${command.text}\n`;
  const out = execFileSync('bash', ['-c', script], { cwd, encoding: 'utf8', input: '' });
  return out.split('\0').slice(0, -1);
}

/** The heredoc of `command` as bash expands it (variables from `prelude`). */
export function heredocOf(command: DocCommand, prelude: string, cwd: string): string {
  if (command.heredoc === undefined) throw new Error(`${command.text} has no heredoc`);
  const script = `set -eo pipefail\n${prelude}\ncat <<__DOC_EOF__\n${command.heredoc}__DOC_EOF__\n`;
  return execFileSync('bash', ['-c', script], { cwd, encoding: 'utf8' });
}

export function readDocCommands(path: string): DocCommand[] {
  return docCommands(readFileSync(path, 'utf8'));
}
