// Runs deploy/argocd/argocd-cm.yaml's Lua (the health checks and the refresh action Argo CD
// runs for Rotor's kinds) in a real Lua 5.4 (Debian's, from scripts/ensure-lua.sh) on a given
// object. Used by the unit test on committed fixtures and by the e2e test on live objects.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ARGOCD_CM = join(repoRoot, 'deploy/argocd/argocd-cm.yaml');
export const ROTOR_KINDS = ['ExternalSecret', 'SecretStore', 'ClusterSecretStore', 'ClusterExternalSecret'] as const;

export interface ArgoCdScripts {
  health: Record<string, string>;
  discovery: Record<string, string>;
  refresh: Record<string, string>;
}

/** The Lua of argocd-cm.yaml by kind, read as Argo CD reads the keys. */
export function argoCdScripts(path = ARGOCD_CM): ArgoCdScripts {
  const cm = parse(readFileSync(path, 'utf8')) as { data: Record<string, string> };
  const scripts: ArgoCdScripts = { health: {}, discovery: {}, refresh: {} };
  for (const [key, value] of Object.entries(cm.data)) {
    const health = /^resource\.customizations\.health\.rotor\.dev_(\w+)$/.exec(key);
    if (health) scripts.health[health[1]!] = value;
    const actions = /^resource\.customizations\.actions\.rotor\.dev_(\w+)$/.exec(key);
    if (actions) {
      const parsed = parse(value) as { 'discovery.lua': string; definitions: Array<{ name: string; 'action.lua': string }> };
      scripts.discovery[actions[1]!] = parsed['discovery.lua'];
      const refresh = parsed.definitions.find((d) => d.name === 'refresh');
      if (refresh) scripts.refresh[actions[1]!] = refresh['action.lua'];
    }
  }
  return scripts;
}

/** The Lua interpreter: $ROTOR_LUA, else the one scripts/ensure-lua.sh provides (downloading it once). */
export function luaInterpreter(): string {
  if (process.env.ROTOR_LUA) return process.env.ROTOR_LUA;
  return execFileSync('bash', [join(repoRoot, 'scripts/ensure-lua.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A JSON value as a Lua literal, as Argo CD hands objects to Lua (null -> nil, arrays 1-based). */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value).replace(/\\u([0-9a-fA-F]{4})/g, '\\u{$1}');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(', ')}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `[${luaLiteral(k)}] = ${luaLiteral(v)}`)
    .join(', ')}}`;
}

/**
 * Runs `script` with the global `obj` set to `object`; returns what `show` (a Lua expression
 * over the script's result `r`) prints. Nothing is evaluated by a shell: the chunk goes on stdin.
 */
export function runLua(lua: string, script: string, object: unknown, show: string): string {
  const chunk = [
    `obj = ${luaLiteral(object)}`,
    `local f = assert(load(${luaLiteral(script)}, "argocd", "t"))`,
    'local r = f()',
    `io.write(${show})`,
  ].join('\n');
  return execFileSync(lua, ['-'], { input: chunk, encoding: 'utf8' });
}

export interface Health {
  status: string;
  message: string;
}

export function health(lua: string, script: string, object: unknown): Health {
  const out = runLua(lua, script, object, 'r.status .. "\\n" .. (r.message or "")');
  const [status, ...message] = out.split('\n');
  return { status: status!, message: message.join('\n') };
}

/** The object after the refresh action, as Argo CD would apply it. */
export function refreshed(lua: string, script: string, object: unknown): { annotations: Record<string, string> } {
  const out = runLua(lua, script, object, 'r.metadata.annotations["rotor.dev/force-sync"] or ""');
  return { annotations: { 'rotor.dev/force-sync': out } };
}

/** The action names discovery offers, and whether each is disabled. */
export function discovered(lua: string, script: string, object: unknown): string {
  return runLua(lua, script, object, '(function() local s = {} for k, v in pairs(r) do s[#s + 1] = k .. "=" .. tostring(v.disabled) end table.sort(s) return table.concat(s, ",") end)()');
}
