// Issue #15 item 1: Liquid templates render in worker threads under ONE time budget per
// ExternalSecret. 16 entries that each burn their render limit froze the main thread for ~16 s
// (1 s each) before: the health probe and the Lease renewal starved.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { applyTemplate, NO_TEMPLATE_SOURCES } from '../../../src/sync/template/apply.js';
import { WasmGoEngine } from '../../../src/sync/template/go/engine.js';
import { LiquidWorkerPool } from '../../../src/sync/template/liquid-pool.js';

const go = new WasmGoEngine();
const liquid = new LiquidWorkerPool({ workers: 2 });
afterAll(async () => {
  await go.close();
  await liquid.close();
});

const HOSTILE = '{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}';
const values = () => new Map([['password', Buffer.from('s3cr3t-pw')]]);

describe('Liquid off the main thread', () => {
  it('16 hostile entries: the event loop stays responsive and the whole ExternalSecret stops at its one budget', { timeout: 60_000 }, async () => {
    const data = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${String(i).padStart(2, '0')}`, HOSTILE]));
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const started = performance.now();
    const out = await applyTemplate({ engineVersion: 'Liquid', data }, values(), NO_TEMPLATE_SOURCES, go, {
      liquid,
      scope: { tenant: 'team-a', deadline: performance.now() + 2000 },
    });
    const took = performance.now() - started;
    lag.disable();
    const maxLagMs = lag.max / 1e6;
    console.log(`16 hostile Liquid entries: ${Math.round(took)} ms in total, event-loop delay max ${maxLagMs.toFixed(1)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms`);
    expect(maxLagMs).toBeLessThan(200);
    // One budget (2 s) for all 16, not 1 s each.
    expect(took).toBeLessThan(4000);
    expect(out.data.size).toBe(0);
    expect(out.problems.length).toBeGreaterThan(0);
    // Named by field, and the entries never reached are not reported one by one.
    expect(out.problems.length).toBeLessThan(16);
    for (const p of out.problems) expect(p.message).toMatch(/^spec\.target\.template\.data\.k\d\d: /);
    for (const p of out.problems) expect(p.message).toMatch(/budget/);
  });

  it('the budget is one for all entries: quick ones fit, eight slow-ish ones do not fit 150 ms', { timeout: 60_000 }, async () => {
    // A loop that renders for a while, then ends (about 0.2 s per 100k on a slow core).
    const text = '{% for i in (1..400000) %}{% endfor %}ok';
    const roomy = await applyTemplate({ engineVersion: 'Liquid', data: { a: 'x', b: 'y' } }, values(), NO_TEMPLATE_SOURCES, go, { liquid, scope: { tenant: 't', deadline: performance.now() + 5000 } });
    expect(roomy.problems).toEqual([]);
    const tight = await applyTemplate({ engineVersion: 'Liquid', data: { a: text, b: text, c: text, d: text, e: text, f: text, g: text, h: text } }, values(), NO_TEMPLATE_SOURCES, go, {
      liquid,
      scope: { tenant: 't', deadline: performance.now() + 150 },
    });
    expect(tight.problems.length).toBeGreaterThan(0);
    expect(tight.problems[0]!.message).toMatch(/time budget/);
  });

  it("another namespace's template takes its turn between a hostile ExternalSecret's entries (one worker)", { timeout: 60_000 }, async () => {
    const single = new LiquidWorkerPool({ workers: 1 });
    try {
      await single.render([{ text: 'warm', field: 'f', sensitive: false }], values(), { tenant: 'x', deadline: performance.now() + 10_000 });
      const data = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, HOSTILE]));
      const started = performance.now();
      const hostile = applyTemplate({ engineVersion: 'Liquid', data }, values(), NO_TEMPLATE_SOURCES, go, { liquid: single, scope: { tenant: 'team-a', deadline: performance.now() + 2000 } });
      const victim = await applyTemplate({ engineVersion: 'Liquid', data: { url: 'db://{{ password }}' } }, values(), NO_TEMPLATE_SOURCES, go, {
        liquid: single,
        scope: { tenant: 'team-b', deadline: performance.now() + 2000 },
      });
      const waited = performance.now() - started;
      console.log(`namespace B's Liquid template behind 16 hostile entries of namespace A: ${Math.round(waited)} ms`);
      expect(victim.problems).toEqual([]);
      expect(victim.data.get('url')?.toString()).toBe('db://s3cr3t-pw');
      // At most one of A's entries (1 s) ran before it.
      expect(waited).toBeLessThan(1800);
      expect((await hostile).problems.length).toBeGreaterThan(0);
    } finally {
      await single.close();
    }
  });

  it('a rendering template keeps working after a worker was stopped', { timeout: 60_000 }, async () => {
    const out = await applyTemplate({ engineVersion: 'Liquid', data: { url: 'db://{{ password | upcase }}' } }, values(), NO_TEMPLATE_SOURCES, go, { liquid });
    expect(out.problems).toEqual([]);
    expect(out.data.get('url')?.toString()).toBe('db://S3CR3T-PW');
  });
});
