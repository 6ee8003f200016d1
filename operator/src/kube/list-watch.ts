// The list + watch primitive a ResilientInformer runs on, as a narrow interface so the
// informer's state machine is tested with an in-memory fake, and its real implementation
// on client-node's Watch plus paginated list calls.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../api/types.js';
import type { KubeClients } from './client.js';
import type { KubeStatus } from './errors.js';

/** The part of any Kubernetes object the informer relies on. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
}

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  /** Progress marker: nothing changed, but the collection is now at this resourceVersion. */
  | { type: 'BOOKMARK'; resourceVersion: string }
  /** The API server ends a watch it cannot serve with a Status; code 410 means "relist". */
  | { type: 'ERROR'; status: KubeStatus };

export interface WatchHandle {
  /** Ends the request and its socket; onDone is not expected after this. */
  abort(): void;
}

export interface ListResult<T> {
  items: T[];
  /** Collection resourceVersion to start the watch from. */
  resourceVersion: string;
}

export interface ListWatchSource<T> {
  list(): Promise<ListResult<T>>;
  /**
   * Opens a watch from `resourceVersion` with bookmarks enabled. Resolves once the request is
   * under way. `onDone` is called once when the watch ends: with no argument when the server
   * closed the stream cleanly, with the error otherwise (an HTTP error carries `statusCode`;
   * client-node's inactivity timeout is a DOMException named TimeoutError). It may be called
   * before the returned promise resolves (e.g. connection refused).
   */
  watch(resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, onDone: (error?: unknown) => void): Promise<WatchHandle>;
}

export interface KubeListWatchOptions<T> {
  kubeConfig: KubeConfig;
  /** Collection path, e.g. /api/v1/secrets or /apis/rotor.dev/v1alpha1/namespaces/ns/secretstores. */
  path: string;
  labelSelector?: string;
  /** One page of the list; `continueToken` is undefined for the first page. */
  listPage: (continueToken: string | undefined, limit: number) => Promise<KubeList<T>>;
  /** Page size for the list; large clusters are listed in chunks instead of one huge response. */
  pageSize?: number;
  /**
   * client-node's Watch aborts a stream that sent nothing for 30s. The API server sends a
   * bookmark about once a minute on a quiet watch, so 30s would cut every quiet watch before its
   * first bookmark. We raise it above the bookmark period; a dead connection is still noticed.
   */
  inactivityTimeoutMs?: number;
}

/** The shape of a list response (typed lists from CoreV1Api and untyped from CustomObjectsApi). */
export interface KubeList<T> {
  items?: T[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

export const DEFAULT_WATCH_INACTIVITY_TIMEOUT_MS = 90_000;
const DEFAULT_PAGE_SIZE = 500;

export function kubeListWatchSource<T extends KubeObject>(options: KubeListWatchOptions<T>): ListWatchSource<T> {
  const watch = new Watch(options.kubeConfig);
  setWatchInactivityTimeout(watch, options.inactivityTimeoutMs ?? DEFAULT_WATCH_INACTIVITY_TIMEOUT_MS);
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  return {
    async list() {
      const items: T[] = [];
      let continueToken: string | undefined;
      let resourceVersion = '';
      do {
        const page = await options.listPage(continueToken, pageSize);
        // Typed lists come back with Date objects for timestamps while watch events are raw
        // JSON; normalising to JSON keeps one shape in the cache (timestamps as strings).
        for (const item of page.items ?? []) items.push(toPlainJson(item));
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        continueToken = page.metadata?._continue ?? page.metadata?.continue ?? undefined;
      } while (continueToken);
      return { items, resourceVersion };
    },
    async watch(resourceVersion, onEvent, onDone) {
      const query: Record<string, string | boolean | undefined> = {
        resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: options.labelSelector,
      };
      const controller = await watch.watch(
        options.path,
        query,
        // client-node types the parsed JSON as any; we narrow it here.
        (phase: string, apiObj: unknown) => {
          const event = toWatchEvent<T>(phase, apiObj);
          if (event) onEvent(event);
        },
        (error: unknown) => onDone(error ?? undefined),
      );
      return { abort: () => controller.abort() };
    },
  };
}

function toWatchEvent<T>(phase: string, apiObj: unknown): WatchEvent<T> | undefined {
  switch (phase) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
      return { type: phase, object: apiObj as T };
    case 'BOOKMARK':
      return { type: 'BOOKMARK', resourceVersion: (apiObj as KubeObject | undefined)?.metadata?.resourceVersion ?? '' };
    case 'ERROR':
      return { type: 'ERROR', status: (apiObj ?? {}) as KubeStatus };
    default:
      return undefined;
  }
}

function setWatchInactivityTimeout(watch: Watch, ms: number): void {
  // `requestTimeoutMs` is private in client-node 2.x's typings but a plain field at run time.
  // If a later version renames it the default (30s) applies, which is still correct, only chattier.
  const internals = watch as unknown as { requestTimeoutMs?: unknown };
  if (typeof internals.requestTimeoutMs === 'number') internals.requestTimeoutMs = ms;
}

function toPlainJson<T>(item: T): T {
  return JSON.parse(JSON.stringify(item)) as T;
}

// ---------------------------------------------------------------- concrete sources

/** Secrets matching `labelSelector` (e.g. rotor.dev/managed=true), all namespaces or one. */
export function secretListWatchSource<T extends KubeObject>(
  clients: Pick<KubeClients, 'kubeConfig' | 'core'>,
  options: { labelSelector: string; namespace?: string; inactivityTimeoutMs?: number },
): ListWatchSource<T> {
  const { namespace, labelSelector } = options;
  return kubeListWatchSource<T>({
    kubeConfig: clients.kubeConfig,
    path: namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets` : '/api/v1/secrets',
    labelSelector,
    inactivityTimeoutMs: options.inactivityTimeoutMs,
    listPage: async (continueToken, limit) => {
      const list = namespace
        ? await clients.core.listNamespacedSecret({ namespace, labelSelector, limit, _continue: continueToken })
        : await clients.core.listSecretForAllNamespaces({ labelSelector, limit, _continue: continueToken });
      return list as unknown as KubeList<T>;
    },
  });
}

/**
 * Custom resources (rotor.dev/v1alpha1 by default): all namespaces, one namespace, or a
 * cluster-scoped kind (leave `namespace` unset; the same path serves both).
 */
export function customResourceListWatchSource<T extends KubeObject>(
  clients: Pick<KubeClients, 'kubeConfig' | 'customObjects'>,
  options: { plural: string; group?: string; version?: string; namespace?: string; labelSelector?: string; inactivityTimeoutMs?: number },
): ListWatchSource<T> {
  const group = options.group ?? API_GROUP;
  const version = options.version ?? API_VERSION;
  const { plural, namespace, labelSelector } = options;
  const base = `/apis/${group}/${version}`;
  return kubeListWatchSource<T>({
    kubeConfig: clients.kubeConfig,
    path: namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}` : `${base}/${plural}`,
    labelSelector,
    inactivityTimeoutMs: options.inactivityTimeoutMs,
    listPage: async (continueToken, limit) => {
      // CustomObjectsApi returns untyped JSON (`any`): the list response of this resource.
      const list: unknown = namespace
        ? await clients.customObjects.listNamespacedCustomObject({ group, version, namespace, plural, labelSelector, limit, _continue: continueToken })
        : await clients.customObjects.listClusterCustomObject({ group, version, plural, labelSelector, limit, _continue: continueToken });
      return list as KubeList<T>;
    },
  });
}
