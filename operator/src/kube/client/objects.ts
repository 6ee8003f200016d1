// The Kubernetes objects Rotor reads and writes, as plain JSON shapes: only the fields Rotor
// uses, typed as the API server sends them (timestamps are RFC 3339 strings, Secret data is
// base64 text). Rotor's own client (kube/client/rest.ts) returns parsed JSON, so there is no model
// class behind these and nothing to convert.

import type { OwnerReference } from '../../api/types.js';
export type { OwnerReference };

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  creationTimestamp?: string;
  deletionTimestamp?: string;
  managedFields?: unknown[];
}

/** Fields every object has; the informers and clients rely on nothing more. */
export interface KubeResource {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface Secret extends KubeResource {
  type?: string;
  /** Values are base64. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  immutable?: boolean;
}

export interface ConfigMap extends KubeResource {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export type Namespace = KubeResource;

export type ServiceAccount = KubeResource;

export interface TokenRequest extends KubeResource {
  spec: { audiences: string[]; expirationSeconds?: number };
  status?: { token?: string; expirationTimestamp?: string };
}

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
}

/** core/v1 Event. */
export interface KubeEvent extends KubeResource {
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  type?: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  count?: number;
}

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** MicroTime: RFC 3339 with exactly six fractional digits (see microTime()). */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** coordination.k8s.io/v1 Lease. */
export interface Lease extends KubeResource {
  spec?: LeaseSpec;
}

/** The part of a Deployment / StatefulSet / DaemonSet / Argo Rollout rollouts read. */
export interface Workload extends KubeResource {
  spec?: {
    template?: { metadata?: Pick<ObjectMeta, 'labels' | 'annotations'> };
    updateStrategy?: { type?: string };
    workloadRef?: { kind?: string; name?: string };
  };
}

/** A list response (metadata.continue is the next page's token). */
export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  items?: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/**
 * metav1.MicroTime as the API server parses it: RFC 3339 with exactly six fractional digits
 * (Go's "2006-01-02T15:04:05.000000Z07:00"); Date.toISOString has three.
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
