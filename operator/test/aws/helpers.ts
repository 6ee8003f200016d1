// Shared fixtures for the AWS layer tests: stores, a recording logger, fake Kubernetes
// credential sources and SDK-shaped errors.
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { API_GROUP_VERSION, ES_REASON, type AwsProvider, type SecretStore, type StoreKind } from '../../src/api/types.js';
import { ProviderError } from '../../src/api/provider.js';
import type { CredentialSourceClient, ServiceAccountToken } from '../../src/kube/ports.js';

export function makeStore(aws: Partial<AwsProvider> = {}, meta: { kind?: StoreKind; namespace?: string; name?: string; generation?: number } = {}): SecretStore {
  const kind = meta.kind ?? 'SecretStore';
  return {
    apiVersion: API_GROUP_VERSION,
    kind,
    metadata: {
      name: meta.name ?? 'aws-store',
      ...(kind === 'SecretStore' ? { namespace: meta.namespace ?? 'team-a' } : {}),
      generation: meta.generation ?? 1,
    },
    spec: { provider: { aws: { service: 'SecretsManager', region: 'eu-west-1', ...aws } } },
  };
}

/** A pino logger writing JSON lines into memory, so tests can scan what was logged. */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

export const silentLogger: Logger = pino({ level: 'silent' });

/** In-memory CredentialSourceClient: secrets, ServiceAccounts, issued tokens. */
export class FakeCredentialSources implements CredentialSourceClient {
  readonly secrets = new Map<string, string>();
  readonly serviceAccounts = new Map<string, Record<string, string>>();
  readonly tokenRequests: Array<{ namespace: string; name: string; audiences: string[]; expirationSeconds: number }> = [];
  readonly secretReads: string[] = [];

  setSecret(namespace: string, name: string, key: string, value: string): this {
    this.secrets.set(`${namespace}/${name}/${key}`, value);
    return this;
  }

  setServiceAccount(namespace: string, name: string, annotations: Record<string, string>): this {
    this.serviceAccounts.set(`${namespace}/${name}`, annotations);
    return this;
  }

  async readSecretKey(namespace: string, name: string, key: string, options: { allowEmpty?: boolean } = {}): Promise<string> {
    this.secretReads.push(`${namespace}/${name}/${key}`);
    const value = this.secrets.get(`${namespace}/${name}/${key}`);
    if (value === undefined) throw new ProviderError(ES_REASON.InvalidSpec, `Secret ${namespace}/${name} has no key ${key}`);
    // As the real source (kube/credential-source.ts): empty is refused unless the caller allows it.
    if (value === '' && !options.allowEmpty) throw new ProviderError(ES_REASON.InvalidSpec, `key "${key}" of Secret ${namespace}/${name} is empty`);
    return value;
  }

  async serviceAccountAnnotations(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    return this.serviceAccounts.get(`${namespace}/${name}`);
  }

  async requestToken(namespace: string, name: string, audiences: string[], expirationSeconds: number): Promise<ServiceAccountToken> {
    this.tokenRequests.push({ namespace, name, audiences, expirationSeconds });
    return { token: `token-for-${namespace}-${name}`, expiresAt: new Date(Date.now() + expirationSeconds * 1000) };
  }
}

/** An error shaped like an SDK ServiceException the SDK did not model. */
export function awsError(name: string, message = '', status = 400): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

export function networkError(code: string, message = `connect ${code} 127.0.0.1:4566`): Error {
  return Object.assign(new Error(message), { code });
}

/** A controllable clock. */
export class ManualClock {
  constructor(public current = Date.UTC(2030, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
