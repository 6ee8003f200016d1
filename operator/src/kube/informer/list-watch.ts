// The list + watch primitive a ResilientInformer runs on, as a narrow interface so the
// informer's state machine is tested with an in-memory fake, and its real implementation
// on kube/client/rest.ts's watch plus paginated list calls.
import { API_GROUP, API_VERSION } from '../../api/types.js';
import type { ListParams } from '../client/api.js';
import type { KubeClients } from '../client/clients.js';
import type { KubeStatus } from '../client/errors.js';
import type { KubeList } from '../client/objects.js';
import { listAllPages } from '../client/pages.js';
import type { KubeRestClient } from '../client/rest.js';

export type { KubeList };

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
  /**
   * Lists every object. With `prepare`, each page's items are passed through it as they arrive
   * (undefined drops one), so the caller never holds a whole large list in full.
   */
  list(prepare?: (item: T) => T | undefined): Promise<ListResult<T>>;
  /**
   * Opens a watch from `resourceVersion` with bookmarks enabled. Resolves once the request is
   * under way. `onDone` is called once when the watch ends: with no argument when the server
   * closed the stream cleanly, with the error otherwise (an HTTP error carries `statusCode`;
   * the inactivity timeout is an error named TimeoutError). It may be called
   * before the returned promise resolves (e.g. connection refused).
   */
  watch(resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, onDone: (error?: unknown) => void): Promise<WatchHandle>;
}

export interface KubeListWatchOptions<T> {
  rest: KubeRestClient;
  /** Collection path, e.g. /api/v1/secrets or /apis/rotor.dev/v1alpha1/namespaces/ns/secretstores. */
  path: string;
  labelSelector?: string;
  /** One page of the list; `continueToken` is undefined for the first page. */
  listPage: (continueToken: string | undefined, limit: number) => Promise<KubeList<T>>;
  /** Page size for the list; large clusters are listed in chunks instead of one huge response. */
  pageSize?: number;
  /**
   * A stream that sent nothing for this long is given up and resumed. The API server sends a
   * bookmark about once a minute on a quiet watch, so this stays above the bookmark period; a
   * dead connection is still noticed.
   */
  inactivityTimeoutMs?: number;
}

export const DEFAULT_WATCH_INACTIVITY_TIMEOUT_MS = 90_000;
const DEFAULT_PAGE_SIZE = 500;
/** Secrets per list page: at most 50 MiB at the 1 MiB limit, ~4 MiB for 64 KiB Secrets. */
export const SECRET_PAGE_SIZE = 50;

export function kubeListWatchSource<T extends KubeObject>(options: KubeListWatchOptions<T>): ListWatchSource<T> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const inactivityTimeoutMs = options.inactivityTimeoutMs ?? DEFAULT_WATCH_INACTIVITY_TIMEOUT_MS;
  return {
    async list(prepare) {
      const items: T[] = [];
      const resourceVersion = await listAllPages(
        (continueToken) => options.listPage(continueToken, pageSize),
        (item) => {
          const kept = prepare ? prepare(item) : item;
          if (kept !== undefined) items.push(kept);
        },
      );
      return { items, resourceVersion };
    },
    watch(resourceVersion, onEvent, onDone) {
      return options.rest.watch(
        options.path,
        { resourceVersion, allowWatchBookmarks: true, labelSelector: options.labelSelector },
        (type, object) => {
          const event = toWatchEvent<T>(type, object);
          if (event) onEvent(event);
        },
        onDone,
        { inactivityTimeoutMs },
      );
    },
  };
}

function toWatchEvent<T>(type: string, object: unknown): WatchEvent<T> | undefined {
  switch (type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
      return { type, object: object as T };
    case 'BOOKMARK':
      return { type: 'BOOKMARK', resourceVersion: (object as KubeObject | undefined)?.metadata?.resourceVersion ?? '' };
    case 'ERROR':
      return { type: 'ERROR', status: (object ?? {}) as KubeStatus };
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- concrete sources

interface CoreSourceOptions {
  labelSelector: string;
  namespace?: string;
  inactivityTimeoutMs?: number;
  pageSize?: number;
}

/** The two list calls of a core (v1) resource: in one namespace, and in all of them. */
interface CoreLists {
  namespaced(p: ListParams & { namespace: string }): Promise<KubeList<unknown>>;
  allNamespaces(p: ListParams): Promise<KubeList<unknown>>;
}

/**
 * A core (v1) resource that anyone may label and that may be large (Secrets, ConfigMaps: up to
 * 1 MiB each), by label, in one namespace or all: small pages bound what one list response
 * costs before the cache transform drops the data (issue #15, item 6).
 */
function coreListWatchSource<T extends KubeObject>(rest: KubeRestClient, resource: string, lists: CoreLists, options: CoreSourceOptions): ListWatchSource<T> {
  const { namespace, labelSelector } = options;
  return kubeListWatchSource<T>({
    rest,
    pageSize: options.pageSize ?? SECRET_PAGE_SIZE,
    path: namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/${resource}` : `/api/v1/${resource}`,
    labelSelector,
    inactivityTimeoutMs: options.inactivityTimeoutMs,
    listPage: async (continueToken, limit) => {
      const list = namespace
        ? await lists.namespaced({ namespace, labelSelector, limit, _continue: continueToken })
        : await lists.allNamespaces({ labelSelector, limit, _continue: continueToken });
      return list as KubeList<T>;
    },
  });
}

/** Secrets matching `labelSelector` (e.g. rotor.dev/managed=true), all namespaces or one. */
export function secretListWatchSource<T extends KubeObject>(clients: Pick<KubeClients, 'rest' | 'core'>, options: CoreSourceOptions): ListWatchSource<T> {
  return coreListWatchSource<T>(
    clients.rest,
    'secrets',
    { namespaced: (p) => clients.core.listNamespacedSecret(p), allNamespaces: (p) => clients.core.listSecretForAllNamespaces(p) },
    options,
  );
}

/** ConfigMaps (non-Secret targets) by label, in one namespace or all; small pages as for Secrets. */
export function configMapListWatchSource<T extends KubeObject>(clients: Pick<KubeClients, 'rest' | 'core'>, options: CoreSourceOptions): ListWatchSource<T> {
  return coreListWatchSource<T>(
    clients.rest,
    'configmaps',
    { namespaced: (p) => clients.core.listNamespacedConfigMap(p), allNamespaces: (p) => clients.core.listConfigMapForAllNamespaces(p) },
    options,
  );
}

/**
 * Custom resources (rotor.dev/v1alpha1 by default): all namespaces, one namespace, or a
 * cluster-scoped kind (leave `namespace` unset; the same path serves both).
 */
export function customResourceListWatchSource<T extends KubeObject>(
  clients: Pick<KubeClients, 'rest' | 'customObjects'>,
  options: { plural: string; group?: string; version?: string; namespace?: string; labelSelector?: string; inactivityTimeoutMs?: number },
): ListWatchSource<T> {
  const group = options.group ?? API_GROUP;
  const version = options.version ?? API_VERSION;
  const { plural, namespace, labelSelector } = options;
  const base = `/apis/${group}/${version}`;
  return kubeListWatchSource<T>({
    rest: clients.rest,
    path: namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}` : `${base}/${plural}`,
    labelSelector,
    inactivityTimeoutMs: options.inactivityTimeoutMs,
    listPage: async (continueToken, limit) => {
      return namespace
        ? await clients.customObjects.listNamespacedCustomObject<T>({ group, version, namespace, plural, labelSelector, limit, _continue: continueToken })
        : await clients.customObjects.listClusterCustomObject<T>({ group, version, plural, labelSelector, limit, _continue: continueToken });
    },
  });
}
