#!/usr/bin/env node
// Renders the Grafana dashboard's panels as HTML from the query results that
// e2e/tests/observability.e2e.test.ts evaluated against a running operator (Prometheus's engine,
// real /metrics). Not Grafana: each panel shows its queries' values at the last scrape, laid out
// by the dashboard's gridPos. Used for docs/dashboard.png:
//   node scripts/render-dashboard.mjs RESULTS.json > dashboard.html
//   chromium --headless --screenshot=docs/dashboard.png --window-size=1600,1500 dashboard.html
import { readFileSync } from 'node:fs';

const { panels, results } = JSON.parse(readFileSync(process.argv[2] ?? '/tmp/rotor-dashboard-results.json', 'utf8'));
const byId = new Map(results.map((r) => [r.id, r]));
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function format(value, unit) {
  if (value === null || value === undefined) return 'NaN';
  const v = Number(value);
  switch (unit) {
    case 'bytes': return v >= 1048576 ? `${(v / 1048576).toFixed(1)} MiB` : `${(v / 1024).toFixed(1)} KiB`;
    case 's': return v < 1 ? `${(v * 1000).toFixed(1)} ms` : `${v.toFixed(1)} s`;
    case 'percentunit': return `${(v * 100).toFixed(1)}%`;
    case 'ops': case 'reqps': return `${v.toFixed(2)}/s`;
    default: return Number.isInteger(v) ? String(v) : v.toFixed(2);
  }
}

function legend(template, metric) {
  return (template || '').replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k) => metric[k] ?? '') || Object.entries(metric).map(([k, v]) => `${k}=${v}`).join(', ') || 'value';
}

function panelHtml(p) {
  const unit = p.fieldConfig?.defaults?.unit;
  const rows = [];
  for (const t of p.targets ?? []) {
    const r = byId.get(`panel ${p.title} ${t.refId}`);
    for (const v of r?.values ?? []) rows.push({ label: legend(t.legendFormat, v.metric), value: v.value });
  }
  let body;
  if (p.type === 'stat') {
    const total = rows.length ? rows.reduce((a, r) => a + (r.value ?? 0), 0) : null;
    body = rows.length ? `<div class="stat">${esc(format(total, unit))}</div>` : '<div class="stat muted">0 <small>(no series: nothing failed)</small></div>';
  } else {
    const max = Math.max(1e-9, ...rows.map((r) => Math.abs(r.value ?? 0)));
    body = rows.length
      ? `<table>${rows.slice(0, 8).map((r) => `<tr><td class="l">${esc(r.label)}</td><td class="b"><div style="width:${Math.round((Math.abs(r.value ?? 0) / max) * 100)}%"></div></td><td class="v">${esc(format(r.value, unit))}</td></tr>`).join('')}</table>${rows.length > 8 ? `<div class="muted">+ ${rows.length - 8} more</div>` : ''}`
      : '<div class="muted">no series (nothing restarted or failed)</div>';
  }
  const g = p.gridPos;
  return `<section style="grid-column:${g.x + 1} / span ${g.w};grid-row:${g.y + 1} / span ${g.h}"><h3>${esc(p.title)}</h3>${body}</section>`;
}

const html = `<!doctype html><meta charset="utf-8"><title>Rotor dashboard</title>
<style>
body{background:#111217;color:#ccccdc;font:13px DejaVu Sans,sans-serif;margin:12px}
h1{font-size:18px;margin:0 0 4px} p.note{color:#8e8e9e;margin:0 0 10px}
main{display:grid;grid-template-columns:repeat(24,1fr);grid-auto-rows:28px;gap:6px}
section{background:#181b1f;border:1px solid #2c3235;border-radius:3px;padding:6px 8px;overflow:hidden}
section.row{background:none;border:none;padding:0;font-size:15px;font-weight:bold;color:#fff;display:flex;align-items:end}
h3{font-size:13px;margin:0 0 6px;color:#fff;font-weight:600}
.stat{font-size:34px;color:#73bf69;font-weight:bold}.muted{color:#8e8e9e;font-size:12px}
table{width:100%;border-collapse:collapse}td{padding:1px 3px;white-space:nowrap}
td.l{max-width:210px;overflow:hidden;text-overflow:ellipsis;font-size:11px}td.v{text-align:right;font-size:11px;width:70px}
td.b{width:40%}td.b div{background:#5794f2;height:9px;border-radius:2px}
</style>
<h1>Rotor</h1><p class="note">Panels of charts/rotor/dashboards/rotor.json with each query's values at the last scrape of a running operator on the test bed (evaluated by Prometheus's engine in e2e/promql-check; rendered as HTML, not by Grafana).</p>
<main>${panels.map((p) => (p.type === 'row' ? `<section class="row" style="grid-column:1 / span 24;grid-row:${p.gridPos.y + 1}">${esc(p.title)}</section>` : panelHtml(p))).join('\n')}</main>`;
process.stdout.write(html);
