// Unit tests of the ESO run's pure parts (run with the unit suite): its options, the controller's
// command line and environment, the CRDs it gets, and reading its log.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ESO_CRDS, esoArgs, esoEnv, parseEsoOptions, workersStarted } from './options.js';

describe('ESO options', () => {
  it('tunes the client to QPS 500 / burst 500 unless told, and refuses nonsense', () => {
    expect(parseEsoOptions({})).toEqual({ clientQps: 500, clientBurst: 500 });
    expect(parseEsoOptions({ ROTOR_BENCH_ESO_CLIENT_QPS: '50', ROTOR_BENCH_ESO_CLIENT_BURST: '100' })).toEqual({ clientQps: 50, clientBurst: 100 });
    expect(() => parseEsoOptions({ ROTOR_BENCH_ESO_CLIENT_QPS: 'fast' })).toThrow(/ROTOR_BENCH_ESO_CLIENT_QPS: "fast"/);
    expect(() => parseEsoOptions({ ROTOR_BENCH_ESO_CLIENT_BURST: '0' })).toThrow(/ROTOR_BENCH_ESO_CLIENT_BURST/);
  });

  it('passes workers, the client limits and loopback ports as ESO\'s controller names them', () => {
    expect(esoArgs(16, { clientQps: 500, clientBurst: 500 }, { metrics: 29080, live: 29081 }).join(' ')).toBe(
      '--concurrent 16 --client-qps 500 --client-burst 500 --metrics-addr 127.0.0.1:29080 --live-addr 127.0.0.1:29081 --loglevel info',
    );
  });

  it('points the AWS SDK at the bed for Secrets Manager and STS, with the bed\'s kubeconfig and nothing else', () => {
    const env = esoEnv({ kubeconfig: '/bed/admin.kubeconfig', awsEndpoint: 'http://127.0.0.1:4766', path: '/usr/bin', home: '/root' });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/root',
      KUBECONFIG: '/bed/admin.kubeconfig',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_SECRETSMANAGER_ENDPOINT: 'http://127.0.0.1:4766',
      AWS_STS_ENDPOINT: 'http://127.0.0.1:4766',
    });
  });

  it('installs the CRDs of the kinds the default reconcilers watch, no generator kinds but GeneratorState', () => {
    expect(ESO_CRDS).toHaveLength(7);
    expect(ESO_CRDS).toContain('external-secrets.io_externalsecrets.yaml');
    expect(ESO_CRDS.filter((f) => f.startsWith('generators.'))).toEqual(['generators.external-secrets.io_generatorstates.yaml']);
  });

  it('knows the ExternalSecret workers started from controller-runtime\'s log line, not another controller\'s', () => {
    const log = [
      '{"level":"info","ts":1,"logger":"setup","msg":"starting manager"}',
      'not json {',
      '{"level":"info","ts":2,"msg":"Starting workers","controller":"secretstore","worker count":16}',
    ];
    expect(workersStarted(log.join('\n'), 'externalsecret')).toBe(false);
    log.push('{"level":"info","ts":3,"msg":"Starting workers","controller":"externalsecret","controllerGroup":"external-secrets.io","worker count":16}');
    expect(workersStarted(log.join('\n'), 'externalsecret')).toBe(true);
  });
});

// Only when ESO's source is here (the bench's build needs it anyway): the CRD files named exist.
const src = process.env.ESO_SRC ?? '/work/eso-src';
const bases = (() => {
  try {
    return readdirSync(`${src}/config/crds/bases`);
  } catch {
    return undefined;
  }
})();
describe.skipIf(bases === undefined)('ESO CRD files', () => {
  it('are all in ESO\'s config/crds/bases', () => {
    for (const f of ESO_CRDS) expect(bases).toContain(f);
  });
});
