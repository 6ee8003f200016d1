// What a harness gives the suite. The same test files run on every harness; only how the
// cluster, LocalStack and the operator are brought up differs (docs/architecture.md).
export interface HarnessInfo {
  /** Environment for kubectl / aws / helm as run by the tests (PATH, KUBECONFIG, AWS_*). */
  env: Record<string, string>;
  /** LocalStack URL as the operator reaches it: what tests put in a store's spec.provider.aws.endpoint. */
  awsEndpointForStores: string;
  /** A URL nothing answers on, as the operator sees it (dead-endpoint and failover tests). */
  deadEndpoint: string;
  /** Namespace the chart was installed in. */
  operatorNamespace: string;
  /** ServiceAccount the operator runs as. */
  operatorServiceAccount: string;
  /**
   * The operator runs as pods installed by `helm install` and workload pods really run (node
   * tier, kind); false on the control-plane-only bed, where the operator is a host process.
   */
  inCluster: boolean;
  /** Image present on the nodes that test workloads can run (has `node`), when inCluster. */
  workloadImage?: string;
}

export interface Harness {
  readonly name: string;
  setup(): Promise<HarnessInfo>;
  /** Everything the operator logged during the run (for the secret-leak scan). */
  operatorLog(): Promise<string>;
  teardown(): Promise<void>;
}
