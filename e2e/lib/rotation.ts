// Timing a rotation end to end: the new value is put with the AWS SDK (so the rotation time
// is known to the millisecond, not after an aws CLI start-up), and the Secrets are watched
// through the API server (so the time a value landed is when the API server said so, not
// when a poll happened to look).
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { bedEnv } from './cli.js';
import { waitFor } from './wait.js';

/** An ExternalSecret copying the whole remote secret into the key `value` of a Secret of its name. */
export function readerManifest(namespace: string, name: string, remoteKey: string, intervalMs: number): string {
  return `
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  refreshInterval: ${intervalMs / 1000}s
  secretStoreRef: {name: aws}
  data: [{secretKey: value, remoteRef: {key: ${remoteKey}}}]
`;
}

/** Puts a new value and returns when the request was sent (ms): the value is in AWS no earlier. */
export async function rotate(secretId: string, value: string): Promise<number> {
  const env = bedEnv();
  const client = new SecretsManagerClient({
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test' },
  });
  const sentAt = Date.now();
  await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
  client.destroy();
  return sentAt;
}

/**
 * Watches the Secrets of a namespace and remembers when each key first had each value.
 *
 * The watch is re-opened whenever it ends: client-node's Watch aborts a watch that carried no
 * data for 30 s, and the API server ends watches after its request timeout. A test that waits
 * longer than that with nothing written (a leader change: Lease expiry plus the new leader's
 * start) would otherwise wait on a dead watch and never see the value land. It resumes from the
 * last resourceVersion seen, so nothing written in between is missed (from scratch on 410 Gone).
 */
export class SecretWatch {
  private readonly seen = new Map<string, number>();
  private controller?: AbortController;
  private stopped = false;
  private resourceVersion?: string;
  private restarts = 0;

  private constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
  ) {}

  static async start(namespace: string): Promise<SecretWatch> {
    const kc = new KubeConfig();
    kc.loadFromFile(bedEnv().KUBECONFIG!);
    const watch = new SecretWatch(kc, namespace);
    await watch.open();
    return watch;
  }

  /** How many times the watch was re-opened after it ended (for the tests of this class). */
  get reopened(): number {
    return this.restarts;
  }

  private async open(): Promise<void> {
    type Event = { metadata?: { name?: string; resourceVersion?: string }; data?: Record<string, string>; code?: number };
    let gone = false;
    this.controller = await new Watch(this.kc).watch(
      `/api/v1/namespaces/${this.namespace}/secrets`,
      { allowWatchBookmarks: true, ...(this.resourceVersion ? { resourceVersion: this.resourceVersion } : {}) },
      (type: string, secret: Event) => {
        if (type === 'ERROR') {
          // 410 Gone: the resourceVersion is too old to resume from; start over with a full replay.
          if (secret.code === 410) gone = true;
          return;
        }
        if (secret.metadata?.resourceVersion) this.resourceVersion = secret.metadata.resourceVersion;
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        const now = Date.now();
        for (const [key, b64] of Object.entries(secret.data ?? {})) {
          const id = SecretWatch.id(secret.metadata?.name ?? '', key, Buffer.from(b64, 'base64').toString('utf8'));
          if (!this.seen.has(id)) this.seen.set(id, now);
        }
      },
      (err?: { statusCode?: number } | null) => {
        if (this.stopped) return;
        if (gone || err?.statusCode === 410) this.resourceVersion = undefined;
        this.restarts++;
        // A short pause so a refused watch (API server restarting) does not spin.
        setTimeout(() => void this.open().catch(() => this.retryLater()), err ? 200 : 0);
      },
    );
  }

  private retryLater(): void {
    if (!this.stopped) setTimeout(() => void this.open().catch(() => this.retryLater()), 500);
  }

  /** Waits until every named Secret's key has the value; returns when each got it (ms). */
  async waitAll(names: string[], key: string, value: string, timeoutMs: number): Promise<number[]> {
    return waitFor(
      `${names.length} Secrets with the new value`,
      async () => {
        const times = names.map((name) => this.seen.get(SecretWatch.id(name, key, value)));
        return times.every((t) => t !== undefined) ? (times as number[]) : undefined;
      },
      { timeoutMs, intervalMs: 20 },
    );
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
  }

  private static id(name: string, key: string, value: string): string {
    return JSON.stringify([name, key, value]);
  }
}

/** The p-th percentile (0–100, nearest rank) of some numbers. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
