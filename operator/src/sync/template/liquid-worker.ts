// Worker thread that parses and renders Liquid templates (sync/template/liquid.ts), so that a slow or
// hostile template never runs on the operator's main thread (see pool.ts). One message renders all
// the Liquid templates of one ExternalSecret in order, reporting each result as it is done,
// so that when the pool terminates this worker for running out of budget the main thread
// knows which template was rendering.
//
// This file is type-strippable TypeScript with only node: imports, so Node runs it from the
// .ts source in tests and from the compiled .js in production. From source, a module hook
// lets it load template.ts and its imports (written with .js specifiers, using TypeScript
// syntax that needs transforming); the compiled build needs no hook.
import { parentPort } from 'node:worker_threads';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as nodeModule from 'node:module';

interface RenderUnit {
  text: string;
  field: string;
  sensitive: boolean;
}

interface RenderRequest {
  id: number;
  /** Time left of the ExternalSecret's budget when this request was dispatched (pool.ts). */
  budgetMs: number;
  units: RenderUnit[];
  values: Map<string, Uint8Array>;
}

/** Whether each text parses as Liquid (the engine choice, template-apply.ts): parsing is work too. */
interface ParseRequest {
  id: number;
  parse: string[];
}

const fromSource = import.meta.url.endsWith('.ts');
if (fromSource) {
  nodeModule.registerHooks({
    resolve(specifier, context, next) {
      if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
        const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
        if (existsSync(fileURLToPath(candidate))) return next(candidate.href, context);
      }
      return next(specifier, context);
    },
    load(url, context, next) {
      if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
      const source = nodeModule.stripTypeScriptTypes(readFileSync(fileURLToPath(url), 'utf8'), { mode: 'transform' });
      return { format: 'module', source, shortCircuit: true };
    },
  });
}

const template = (await import(new URL(fromSource ? './liquid.ts' : './liquid.js', import.meta.url).href)) as typeof import('./liquid.js');

parentPort!.on('message', (request: RenderRequest | ParseRequest) => {
  if ('parse' in request) {
    parentPort!.postMessage({ id: request.id, parsed: request.parse.map((text) => template.liquidParses(text)) });
    return;
  }
  const deadline = performance.now() + request.budgetMs;
  const values = new Map<string, Buffer>();
  for (const [key, bytes] of request.values) values.set(key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  request.units.forEach((unit, index) => {
    let result: { ok: true; out: string } | { ok: false; message: string };
    try {
      const renderLimitMs = Math.max(1, deadline - performance.now());
      result = { ok: true, out: template.renderTemplateText(unit.text, values, unit.field, { sensitive: unit.sensitive, renderLimitMs }) };
    } catch (error) {
      // renderTemplateText throws SyncError, whose message is written to be shown; anything
      // else is a bug whose message is not known to be free of values.
      const message = (error as Error)?.name === 'SyncError' ? (error as Error).message : `${unit.field}: the template failed unexpectedly`;
      result = { ok: false, message };
    }
    parentPort!.postMessage({ id: request.id, progress: { index, result } });
  });
  parentPort!.postMessage({ id: request.id, done: true });
});

parentPort!.postMessage({ ready: true });
