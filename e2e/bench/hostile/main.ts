// Command-line helper of scripts/hostile-tenant.sh (compiled by that script with
// e2e/bench/hostile/tsconfig.json; not run in CI). The shell script sets up objects with
// kubectl; this helper does what needs timing or a long-running process:
//   server --mode big|nexttoken|sts --port P --stats FILE [--max-seconds N]
//   probe --pid PID --health URL --seconds N            -> JSON ProbeResult
//   rotate --ns NS --es NAME --secret NAME --key K --remote ID --timeout S  -> JSON {seconds}
//   edits --ns NS --secret NAME --count N --seconds S    -> JSON {edits, seconds}
//   metric --url URL --name METRIC [--label k=v]...      -> sum, or n/a
//   stats --file FILE [--from MS] [--to MS]              -> JSON counts of the hostile server
// Kubernetes is reached as the test bed's admin (its admin.kubeconfig in ROTOR_TESTBED_DIR);
// LocalStack through AWS_ENDPOINT_URL. Every loop is bounded in time.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KubeApi } from '../scale/kube.js';
import { parseSamples } from '../scale/prom.js';
import { startEndpoint, type EndpointMode, type EndpointStats } from './endpoint.js';
import { probe } from './probe.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    mode: { type: 'string' },
    port: { type: 'string' },
    stats: { type: 'string' },
    file: { type: 'string' },
    'max-seconds': { type: 'string', default: '1800' },
    pid: { type: 'string' },
    health: { type: 'string' },
    seconds: { type: 'string' },
    ns: { type: 'string' },
    es: { type: 'string' },
    secret: { type: 'string' },
    key: { type: 'string' },
    remote: { type: 'string' },
    timeout: { type: 'string', default: '60' },
    count: { type: 'string' },
    url: { type: 'string' },
    name: { type: 'string' },
    label: { type: 'string', multiple: true, default: [] },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});

function need(name: keyof typeof values): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new Error(`--${name} is required`);
  return v;
}

function kube(): KubeApi {
  const dir = process.env.ROTOR_TESTBED_DIR;
  if (!dir) throw new Error('set ROTOR_TESTBED_DIR to the test bed (its admin.kubeconfig is used)');
  return new KubeApi(dir);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function server(): Promise<void> {
  const mode = need('mode') as EndpointMode;
  if (!['big', 'nexttoken', 'sts'].includes(mode)) throw new Error(`--mode must be big, nexttoken or sts, got ${mode}`);
  const file = need('stats');
  const { server: srv, stats } = await startEndpoint(mode, Number(need('port')));
  const write = () => {
    writeFileSync(`${file}.tmp`, JSON.stringify(stats));
    renameSync(`${file}.tmp`, file);
  };
  const timer = setInterval(write, 250);
  const stop = () => {
    clearInterval(timer);
    write();
    srv.closeAllConnections();
    srv.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop).on('SIGINT', stop);
  // It stops by itself even if the script that started it is gone.
  setTimeout(stop, Number(values['max-seconds']) * 1000).unref();
  write();
}

async function rotate(): Promise<void> {
  const [ns, es, secret, key, remote] = [need('ns'), need('es'), need('secret'), need('key'), need('remote')];
  const value = `v-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const sm = new SecretsManagerClient({ region: process.env.AWS_REGION ?? 'us-east-1', endpoint: process.env.AWS_ENDPOINT_URL });
  await sm.send(new PutSecretValueCommand({ SecretId: remote, SecretString: value }));
  const start = performance.now();
  const deadline = Date.now() + Number(values.timeout) * 1000;
  const api = kube();
  // Ask for the refresh now (the victim also refreshes every 5 s): the latency is then the
  // operator's queueing and processing, which is what a hostile object can stretch.
  await api.patch(`/apis/rotor.dev/v1alpha1/namespaces/${ns}/externalsecrets/${es}`, { metadata: { annotations: { 'rotor.dev/force-sync': String(Date.now()) } } });
  let seconds: number | null = null;
  while (Date.now() < deadline) {
    // Not there yet, or the API server busy: ask again until the deadline.
    const found = await api.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${ns}/secrets/${secret}`).catch(() => undefined);
    const data = found?.data ?? {};
    if (Buffer.from(data[key] ?? '', 'base64').toString('utf8') === value) {
      seconds = (performance.now() - start) / 1000;
      break;
    }
    await sleep(100);
  }
  api.destroy();
  sm.destroy();
  console.log(JSON.stringify({ seconds: seconds === null ? null : Math.round(seconds * 10) / 10 }));
}

async function edits(): Promise<void> {
  const [ns, secret] = [need('ns'), need('secret')];
  const count = Number(need('count'));
  const gapMs = (Number(need('seconds')) * 1000) / count;
  const api = kube();
  const start = performance.now();
  let done = 0;
  for (let i = 0; i < count; i++) {
    const patched = await api.patch(`/api/v1/namespaces/${ns}/secrets/${secret}`, { metadata: { annotations: { 'hostile.example/edit': String(i) } } }).then(
      () => true,
      () => false,
    );
    if (patched) done++;
    const next = start + (i + 1) * gapMs;
    await sleep(Math.max(0, next - performance.now()));
  }
  api.destroy();
  console.log(JSON.stringify({ edits: done, seconds: Math.round((performance.now() - start) / 100) / 10 }));
}

function metric(): Promise<void> {
  const name = need('name');
  const filters = (values.label ?? []).map((l) => l.split('=', 2) as [string, string]);
  return new Promise((resolve) => {
    const req = request(need('url'), { timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const sum = parseSamples(text, [name])
          .filter((s) => filters.every(([k, v]) => s.labels[k] === v))
          .reduce((a, s) => a + s.value, 0);
        console.log(res.statusCode === 200 ? String(sum) : 'n/a');
        resolve();
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      console.log('n/a');
      resolve();
    });
    req.end();
  });
}

function stats(): void {
  let s: EndpointStats;
  try {
    s = JSON.parse(readFileSync(need('file'), 'utf8')) as EndpointStats;
  } catch {
    console.log(JSON.stringify({ requests: null }));
    return;
  }
  const from = values.from ? Number(values.from) : -Infinity;
  const to = values.to ? Number(values.to) : Infinity;
  const { times, ...rest } = s;
  console.log(JSON.stringify({ ...rest, inWindow: times.filter((t) => t >= from && t <= to).length }));
}

async function main(): Promise<void> {
  switch (positionals[0]) {
    case 'server':
      return server();
    case 'probe':
      console.log(JSON.stringify(await probe({ pid: Number(need('pid')), healthUrl: need('health'), seconds: Number(need('seconds')), timeoutMs: Number(values.timeout) * 1000 })));
      return;
    case 'rotate':
      return rotate();
    case 'edits':
      return edits();
    case 'metric':
      return metric();
    case 'stats':
      return stats();
    default:
      throw new Error('usage: main.js server|probe|rotate|edits|metric|stats [options] (see the file header)');
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
