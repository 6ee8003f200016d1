// Messages for Go template errors that are safe to show in status and events.
//
// Go's text/template errors have the shape
//   template: t:LINE:COL: executing "t" at <NODE>: DETAIL
// where NODE is the template's own text, but DETAIL may quote a value (sprig's `fail`, a
// JSON syntax error of mustFromJson, ...). So: parse errors (about the template source only)
// are kept (shortened); for execution errors only the position, the node and a few known-safe
// details are kept, and the rest is described by the function that failed. A template that
// comes from a Secret is secret itself: then only the kind of error and its position are
// given (Go's parse errors quote whole identifiers and tokens of the template).
import { scrubValues } from '../../errors.js';

const EXEC = /^template: [^:]*:(\d+):(\d+): executing "[^"]*" at <(.*?)>: ([\s\S]*)$/;
const PARSE = /^template: [^:]*:(\d+)(?::(\d+))?: ([\s\S]*)$/;
const SAFE_DETAIL = [
  /^map has no entry for key "[^"]*"$/,
  /^the output is larger than the limit$/,
  /^wrong number of args for \w+: want \d+ got \d+$/,
  /^error calling b64dec: the input is not valid base64$/,
];

/** Longest parse detail (about the template's own text) quoted in a status. */
const MAX_DETAIL_CHARS = 200;

export function describeGoTemplateError(error: string, values: Iterable<string>, sensitive = false): string {
  const exec = EXEC.exec(error);
  if (exec && sensitive) {
    const [, line, column, , detail] = exec;
    const call = /^error calling (\w+):/.exec(detail!);
    const kind = call ? `the function ${call[1]} failed on its input` : 'execution failed';
    return `${kind} (line ${line}, column ${column}; not quoted: the template comes from a Secret)`;
  }
  if (exec) {
    const [, line, column, node, detail] = exec;
    const where = `at <${node!.slice(0, 120)}> (line ${line}, column ${column})`;
    if (SAFE_DETAIL.some((re) => re.test(detail!))) return scrubValues(`${where}: ${detail}`, values);
    const call = /^error calling (\w+):/.exec(detail!);
    if (call) return scrubValues(`${where}: the function ${call[1]} failed on its input`, values);
    return scrubValues(`${where}: execution failed`, values);
  }
  const parse = PARSE.exec(error);
  if (parse) {
    const [, line, column, detail] = parse;
    const where = `line ${line}${column ? `, column ${column}` : ''}`;
    if (sensitive) return `parse error (${where}; not quoted: the template comes from a Secret)`;
    const flat = detail!.replace(/\s+/g, ' ');
    return scrubValues(`parse error (${where}): ${flat.length > MAX_DETAIL_CHARS ? `${flat.slice(0, MAX_DETAIL_CHARS)}…` : flat}`, values);
  }
  if (error === 'the output is larger than the limit') return error;
  if (error.startsWith('the rendered text is not a YAML map of strings')) return 'the rendered text is not a YAML map of string keys to string values';
  if (error.startsWith('template panicked')) return 'a function panicked on its input';
  return 'the template failed';
}
