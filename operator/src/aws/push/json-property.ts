// `remoteRef.property` on push: the remote value is a JSON object and the pushed value is set
// (as a JSON string) at that path, as ESO does with sjson.SetBytes: a dotted path creates nested
// objects ("db.password" -> {"db":{"password":"..."}}), a backslash escapes a dot.
//
// The edit is made on the JSON text, not by parse + stringify: every other field keeps its exact
// bytes (a 20-digit number, key order, spacing), so a push never alters what it was not asked
// to change, and a value already in place is recognised without a rewrite.
// Pure: no I/O; the value bytes are never put into an error message.

export class PropertyTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyTargetError';
  }
}

/** The path's keys: split on dots not escaped by a backslash. */
export function propertyPath(property: string): string[] {
  const keys: string[] = [];
  let current = '';
  for (let i = 0; i < property.length; i += 1) {
    const ch = property[i]!;
    if (ch === '\\' && i + 1 < property.length) {
      current += property[i + 1];
      i += 1;
    } else if (ch === '.') {
      keys.push(current);
      current = '';
    } else current += ch;
  }
  keys.push(current);
  return keys;
}

interface Member {
  key: string;
  /** Index of the key's opening quote. */
  start: number;
  valueStart: number;
  valueEnd: number;
}

const WS = new Set([' ', '\t', '\n', '\r']);

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text[i]!)) i += 1;
  return i;
}

/** End (exclusive) of the string starting at the quote at `i`. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j += 1) {
    if (text[j] === '\\') j += 1;
    else if (text[j] === '"') return j + 1;
  }
  return text.length;
}

/** End (exclusive) of the valid JSON value starting at `i`. */
function valueEnd(text: string, i: number): number {
  const ch = text[i];
  if (ch === '"') return stringEnd(text, i);
  if (ch === '{' || ch === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j += 1) {
      const c = text[j];
      if (c === '"') j = stringEnd(text, j) - 1;
      else if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        depth -= 1;
        if (depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  let j = i;
  while (j < text.length && !WS.has(text[j]!) && text[j] !== ',' && text[j] !== '}' && text[j] !== ']') j += 1;
  return j;
}

/** Members of the (valid) object whose `{` is at `open`, and the index of its `}`. */
function members(text: string, open: number): { list: Member[]; close: number } {
  const list: Member[] = [];
  let i = skipWs(text, open + 1);
  while (text[i] !== '}') {
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    const valueStart = skipWs(text, skipWs(text, keyEnd) + 1);
    const end = valueEnd(text, valueStart);
    list.push({ key, start: i, valueStart, valueEnd: end });
    i = skipWs(text, end);
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  return { list, close: i };
}

function nested(keys: string[], leaf: string): string {
  return keys.reduceRight((inner, key) => `{${JSON.stringify(key)}:${inner}}`, leaf);
}

/** The text's top-level object start, or a PropertyTargetError when it is not a JSON object. */
function objectStart(text: string): number {
  try {
    JSON.parse(text);
  } catch {
    throw new PropertyTargetError('the remote value is not JSON, so a property cannot be set in it; push without property or to another key');
  }
  const start = skipWs(text, 0);
  if (text[start] !== '{') throw new PropertyTargetError('the remote value is JSON but not an object, so a property cannot be set in it');
  return start;
}

/**
 * `current` with `value` at the property path. `changed` is false when that exact string is
 * already there (no new version is then written). Empty or absent `current` starts a new object.
 */
export function setProperty(current: string | undefined, property: string, value: string): { text: string; changed: boolean } {
  const keys = propertyPath(property);
  const leaf = JSON.stringify(value);
  if (current === undefined || current.trim() === '') return { text: nested(keys, leaf), changed: true };
  let open = objectStart(current);
  for (let depth = 0; depth < keys.length; depth += 1) {
    const { list, close } = members(current, open);
    // Like gjson/sjson, the first member of that name is the one read and written.
    const found = list.find((m) => m.key === keys[depth]);
    const last = depth === keys.length - 1;
    if (!found) {
      const member = `${JSON.stringify(keys[depth])}:${nested(keys.slice(depth + 1), leaf)}`;
      const text = `${current.slice(0, close)}${list.length > 0 ? ',' : ''}${member}${current.slice(close)}`;
      return { text, changed: true };
    }
    const existing = current.slice(found.valueStart, found.valueEnd);
    if (last) {
      if (existing.startsWith('"') && JSON.parse(existing) === value) return { text: current, changed: false };
      return { text: splice(current, found.valueStart, found.valueEnd, leaf), changed: true };
    }
    if (!existing.startsWith('{')) {
      // sjson replaces a non-object on the way with the object the path needs.
      return { text: splice(current, found.valueStart, found.valueEnd, nested(keys.slice(depth + 1), leaf)), changed: true };
    }
    open = found.valueStart;
  }
  /* c8 ignore next */
  throw new Error('unreachable: the loop returns at the last key');
}

/**
 * `current` without the property. `removed` is false when it was not there (or the value is
 * not a JSON object). `empty`: nothing is left at the top level, so the whole secret can go.
 */
export function removeProperty(current: string | undefined, property: string): { text: string; removed: boolean; empty: boolean } {
  const unchanged = { text: current ?? '', removed: false, empty: false };
  if (current === undefined || current.trim() === '') return unchanged;
  let open: number;
  try {
    open = objectStart(current);
  } catch {
    return unchanged;
  }
  const keys = propertyPath(property);
  for (let depth = 0; depth < keys.length; depth += 1) {
    const { list } = members(current, open);
    const index = list.findIndex((m) => m.key === keys[depth]);
    if (index < 0) return unchanged;
    const found = list[index]!;
    if (depth < keys.length - 1) {
      if (current[found.valueStart] !== '{') return unchanged;
      open = found.valueStart;
      continue;
    }
    const text = index > 0 ? splice(current, list[index - 1]!.valueEnd, found.valueEnd, '') : splice(current, found.start, list[1]?.start ?? found.valueEnd, '');
    const top = JSON.parse(text) as Record<string, unknown>;
    return { text, removed: true, empty: Object.keys(top).length === 0 };
  }
  /* c8 ignore next */
  throw new Error('unreachable: the loop returns at the last key');
}

function splice(text: string, from: number, to: number, insert: string): string {
  return `${text.slice(0, from)}${insert}${text.slice(to)}`;
}
