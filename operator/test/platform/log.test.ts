import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../../src/platform/log.js';

const SENTINEL = 'hunter2-SENTINEL-7f3a';
const b64 = Buffer.from(SENTINEL).toString('base64');

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, destination };
}

// Every shape in which a secret could reach a log call by mistake.
const shapes: Record<string, unknown> = {
  'top-level data': { data: { password: SENTINEL, b64 } },
  'top-level stringData': { stringData: { key: SENTINEL } },
  'top-level value': { value: SENTINEL },
  'top-level SecretString': { SecretString: SENTINEL },
  'top-level SecretBinary': { SecretBinary: Buffer.from(SENTINEL) },
  'top-level token': { token: SENTINEL },
  'top-level secretAccessKey': { secretAccessKey: SENTINEL },
  'top-level sessionToken': { sessionToken: SENTINEL },
  'top-level credentials': { credentials: { accessKeyId: 'AKIA', secretAccessKey: SENTINEL } },
  'top-level Parameter.Value': { Parameter: { Name: '/app/db', Value: SENTINEL, Version: 3 } },
  'top-level headers.authorization': { headers: { authorization: `Bearer ${SENTINEL}` } },
  'Secret object': { secret: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { password: b64 } } },
  'Secret with stringData': { secret: { stringData: { password: SENTINEL } } },
  'RemoteSecret': { remote: { name: 'db', value: Buffer.from(SENTINEL), versionId: 'v1' } },
  'GetSecretValue response': { response: { Name: 'db', SecretString: SENTINEL, VersionId: 'abc' } },
  'binary response': { response: { Name: 'db', SecretBinary: Buffer.from(SENTINEL) } },
  'GetParameter response': { response: { Parameter: { Name: '/db', Value: SENTINEL } } },
  'GetParameters response': { Parameters: [{ Name: '/a', Value: SENTINEL }, { Name: '/b', Value: SENTINEL }] },
  'nested GetParameters response': { response: { Parameters: [{ Name: '/a', Value: SENTINEL }] } },
  'BatchGetSecretValue response': { response: { SecretValues: [{ Name: 'a', SecretString: SENTINEL }] } },
  'TokenRequest status': { status: { token: SENTINEL, expirationTimestamp: '2030-01-01T00:00:00Z' } },
  'SDK credentials': { creds: { accessKeyId: 'AKIA', secretAccessKey: SENTINEL, sessionToken: SENTINEL } },
  'STS Credentials': { result: { Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: SENTINEL, SessionToken: SENTINEL } } },
  'request headers': { req: { headers: { authorization: `Bearer ${SENTINEL}`, accept: 'json' } } },
  'two levels down': { es: { secret: { data: { k: SENTINEL } } } },
  'credentials under a key': { store: { credentials: SENTINEL } },
};

describe('createLogger', () => {
  it.each(Object.entries(shapes))('never prints the secret in %s', (_name, shape) => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'debug', destination });
    log.info(shape as object, 'something happened');
    log.debug({ wrapped: shape }, 'debug');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain(SENTINEL);
      expect(line).not.toContain(b64);
    }
    expect(lines[0]).toContain(REDACTED);
  });

  it('keeps non-secret fields and writes JSON with a level label', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination, base: { component: 'rotor' } });
    log.info({ externalSecret: 'ns/db', versionId: 'v-123', secret: { metadata: { name: 'db' }, data: { k: b64 } } }, 'secret written');
    const parsed = JSON.parse(lines[0]!);
    expect(parsed).toMatchObject({
      level: 'info',
      component: 'rotor',
      msg: 'secret written',
      externalSecret: 'ns/db',
      versionId: 'v-123',
      secret: { metadata: { name: 'db' }, data: REDACTED },
    });
    expect(typeof parsed.time).toBe('string');
  });

  it('does not mutate the logged object', () => {
    const { destination } = capture();
    const log = createLogger({ destination });
    const secret = { data: { k: b64 } };
    log.info({ secret });
    expect(secret.data.k).toBe(b64);
  });

  it('censors child logger bindings too', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    log.child({ token: SENTINEL, es: { secret: { data: { k: SENTINEL } } } }).info('child line');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(SENTINEL);
    expect(JSON.parse(lines[0]!).msg).toBe('child line');
  });

  it('still serialises errors and survives cycles', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    const cyclic: Record<string, unknown> = { name: 'loop', data: SENTINEL };
    cyclic.self = cyclic;
    log.error({ err: new Error('AccessDeniedException: not authorized'), cyclic }, 'failed');
    const parsed = JSON.parse(lines[0]!);
    expect(parsed.err.message).toBe('AccessDeniedException: not authorized');
    expect(parsed.err.type).toBe('Error');
    expect(parsed.cyclic).toEqual({ name: 'loop', data: REDACTED, self: '[Circular]' });
  });

  it('honours the level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'warn', destination });
    log.info('hidden');
    log.warn('shown');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).msg).toBe('shown');
  });
});
