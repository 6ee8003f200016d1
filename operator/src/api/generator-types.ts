// TypeScript shapes of the generator CRDs (group generators.rotor.dev, version v1alpha1): ESO's
// generators.external-secrets.io kinds that Rotor serves. The CRD YAML (written by
// scripts/gen-generator-crds.mjs) is the source of truth; operator/test/api/generator-crds.test.ts
// checks these field names against it.
import type { ObjectMeta, SecretKeySelector, ServiceAccountSelector } from './types.js';

export const GENERATOR_GROUP = 'generators.rotor.dev';
export const GENERATOR_VERSION = 'v1alpha1';
export const GENERATOR_API_VERSION = `${GENERATOR_GROUP}/${GENERATOR_VERSION}`;
/** ESO's group: a generatorRef naming it is read as Rotor's (the objects are Rotor's after `rotor migrate`). */
export const ESO_GENERATOR_API_VERSION = 'generators.external-secrets.io/v1alpha1';

export const GENERATOR_KINDS = ['ECRAuthorizationToken', 'STSSessionToken', 'Password'] as const;
export type GeneratorKind = (typeof GENERATOR_KINDS)[number];
export const CLUSTER_GENERATOR_KIND = 'ClusterGenerator';

export const GENERATOR_PLURAL: Record<GeneratorKind | typeof CLUSTER_GENERATOR_KIND, string> = {
  ECRAuthorizationToken: 'ecrauthorizationtokens',
  STSSessionToken: 'stssessiontokens',
  Password: 'passwords',
  ClusterGenerator: 'clustergenerators',
};

/** ESO's generator AWSAuth. Selector namespaces are ignored: credentials come from the caller's namespace. */
export interface GeneratorAwsAuth {
  secretRef?: {
    accessKeyIDSecretRef: SecretKeySelector;
    secretAccessKeySecretRef: SecretKeySelector;
    sessionTokenSecretRef?: SecretKeySelector;
  };
  jwt?: { serviceAccountRef: ServiceAccountSelector };
}

export interface ECRAuthorizationTokenSpec {
  region: string;
  auth?: GeneratorAwsAuth;
  role?: string;
  /** private (default) or public (ECR Public, us-east-1). */
  scope?: 'private' | 'public';
}

export interface STSSessionTokenSpec {
  region: string;
  auth?: GeneratorAwsAuth;
  role?: string;
  requestParameters?: {
    sessionDuration?: number;
    serialNumber?: string;
    tokenCode?: string;
  };
}

export type PasswordEncoding = 'raw' | 'base64' | 'base64url' | 'base32' | 'hex';

export interface PasswordSpec {
  length?: number;
  digits?: number;
  symbols?: number;
  symbolCharacters?: string;
  noUpper?: boolean;
  allowRepeat?: boolean;
  secretKeys?: string[];
  encoding?: PasswordEncoding;
}

export interface GeneratorSpecs {
  ECRAuthorizationToken: ECRAuthorizationTokenSpec;
  STSSessionToken: STSSessionTokenSpec;
  Password: PasswordSpec;
}

/** A namespaced generator object. */
export interface GeneratorObject<K extends GeneratorKind = GeneratorKind> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec: GeneratorSpecs[K];
}

/** ESO's ClusterGenerator: spec.kind names the generator, spec.generator holds exactly its spec. */
export interface ClusterGenerator {
  apiVersion: string;
  kind: typeof CLUSTER_GENERATOR_KIND;
  metadata: ObjectMeta;
  spec: {
    kind: GeneratorKind;
    generator: {
      ecrAuthorizationTokenSpec?: ECRAuthorizationTokenSpec;
      stsSessionTokenSpec?: STSSessionTokenSpec;
      passwordSpec?: PasswordSpec;
    };
  };
}

/** spec.generator key of each kind in a ClusterGenerator (ESO's names). */
export const CLUSTER_GENERATOR_SPEC_KEY = {
  ECRAuthorizationToken: 'ecrAuthorizationTokenSpec',
  STSSessionToken: 'stsSessionTokenSpec',
  Password: 'passwordSpec',
} as const satisfies Record<GeneratorKind, keyof ClusterGenerator['spec']['generator']>;
