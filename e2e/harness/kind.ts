// kind harness (hosts with Docker): e2e/kind/up.sh creates the cluster, deploys LocalStack
// beside it, builds the image from the Dockerfile and installs the chart; the operator runs
// as a real pod. Tests reach LocalStack through the NodePort mapped to 127.0.0.1:4566.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Harness, HarnessInfo } from './types.js';
import { operatorPodLogs } from './pod-logs.js';

const exec = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const env = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_REGION: 'us-east-1',
  // LocalStack as the operator pods reach it (e2e/testbed/rotor-pod.sh helm).
  ROTOR_POD_AWS_ENDPOINT: 'http://localstack.localstack.svc:4566',
};

export class KindHarness implements Harness {
  readonly name = 'kind';

  async setup(): Promise<HarnessInfo> {
    await exec('bash', [join(repo, 'e2e/kind/up.sh')], { maxBuffer: 64 << 20, timeout: 30 * 60_000 });
    return {
      env,
      awsEndpointForStores: 'http://localstack.localstack.svc:4566',
      // A Service with no endpoints behind it: connections are refused, as with a dead endpoint.
      deadEndpoint: 'http://127.0.0.2:1',
      operatorNamespace: 'rotor-system',
      operatorServiceAccount: 'rotor',
      inCluster: true,
      workloadImage: 'rotor:e2e',
    };
  }

  async operatorLog(): Promise<string> {
    return operatorPodLogs(process.env);
  }

  async teardown(): Promise<void> {
    if (!process.env.ROTOR_E2E_KEEP) await exec('bash', [join(repo, 'e2e/kind/down.sh')], { timeout: 5 * 60_000 });
  }
}
