// The benchmark's Kubernetes calls, made with the operator's own client (operator/src/kube/client/
// rest.ts: one keep-alive connection pool, the same watch parser) and the test bed's admin
// kubeconfig. kubectl would cost a process per call and `kubectl apply` of thousands of objects
// is itself slower than the operator under test, so objects are created with bounded
// concurrency, and readiness is followed with one watch.
import { join } from 'node:path';
import { isConflict, isNotFound } from '../../../operator/src/kube/client/errors.js';
import { loadKubeConfig } from '../../../operator/src/kube/client/kube-config.js';
import { CONTENT_TYPE, KubeRestClient, type WatchHandle } from '../../../operator/src/kube/client/rest.js';

/** A watch sends a bookmark about once a minute; a stream silent for longer than this is reopened. */
const WATCH_INACTIVITY_MS = 120_000;

export class KubeApi {
  private readonly rest: KubeRestClient;

  /** `testbedDir`: the bed's directory (ROTOR_TESTBED_DIR), which holds admin.kubeconfig. */
  constructor(testbedDir: string, rest?: KubeRestClient) {
    this.rest = rest ?? new KubeRestClient(loadKubeConfig({ kubeconfigPath: join(testbedDir, 'admin.kubeconfig') }));
  }

  /** POSTs `body` to `path`; an HTTP error throws (KubeApiError). */
  async create(path: string, body: unknown): Promise<void> {
    await this.rest.request({ method: 'POST', path, body });
  }

  /** The object at `path`; undefined when it does not exist. */
  async get<T>(path: string): Promise<T | undefined> {
    return this.rest.request<T>({ method: 'GET', path }).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
  }

  /** Merge-patches the object at `path`. */
  async patch(path: string, body: unknown): Promise<void> {
    await this.rest.request({ method: 'PATCH', path, body, contentType: CONTENT_TYPE.mergePatch });
  }

  /** The API server's own metrics (Prometheus text). */
  metrics(): Promise<string> {
    return this.rest.request<string>({ method: 'GET', path: '/metrics', text: true });
  }

  /** POSTs every object to `path`, at most `concurrency` at once; 409 (exists) counts as done. */
  async createAll(path: string, objects: readonly unknown[], concurrency = 16): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < objects.length) {
        const object = objects[next++];
        await this.rest.request({ method: 'POST', path, body: object }).catch((error: unknown) => {
          if (!isConflict(error)) throw error;
        });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /**
   * Watches a collection from `resourceVersion` and calls onEvent per event until stop() is
   * called; a stream the server closes (or that fails) is reopened from the last resourceVersion seen.
   */
  watch(path: string, resourceVersion: string, onEvent: (type: string, object: any) => void): { stop(): void } {
    let stopped = false;
    let current: WatchHandle | undefined;
    let rv = resourceVersion;
    const open = (): void => {
      if (stopped) return;
      void this.rest
        .watch(
          path,
          { resourceVersion: rv, allowWatchBookmarks: true },
          (type, object) => {
            const seen = (object as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
            if (seen) rv = seen;
            if (type !== 'BOOKMARK') onEvent(type, object);
          },
          (error) => setTimeout(open, error === undefined ? 100 : 1000),
          { inactivityTimeoutMs: WATCH_INACTIVITY_MS },
        )
        .then((handle) => {
          current = handle;
          if (stopped) handle.abort();
        });
    };
    open();
    return {
      stop: () => {
        stopped = true;
        current?.abort();
      },
    };
  }

  destroy(): void {
    this.rest.close();
  }
}
