// Node-tier harness (no Docker): the local test bed with a real node (e2e/testbed/up.sh
// --node: kubelet, containerd, CNI, kube-proxy, kube-scheduler), the operator image built
// from the Dockerfile without a Docker daemon and installed with `helm install`, two
// replicas with leader election (e2e/testbed/rotor-pod.sh). Pods really run.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Harness, HarnessInfo } from './types.js';
import { stateDir, testbed } from './testbed-paths.js';
import { sourceEnv } from './local.js';
import { operatorPodLogs, savedPodLogsDir } from './pod-logs.js';

const exec = promisify(execFile);

export class NodeHarness implements Harness {
  readonly name = 'node';
  private startedBed = false;
  private env: Record<string, string> = {};

  async setup(): Promise<HarnessInfo> {
    rmSync(savedPodLogsDir, { recursive: true, force: true });
    // A fresh machine builds the control plane, the node binaries and the image first.
    const up = await exec('bash', [testbed('up.sh'), '--node'], { maxBuffer: 16 << 20, timeout: 80 * 60_000 });
    this.startedBed = !/already up/.test(up.stdout + up.stderr);
    this.env = await sourceEnv(join(stateDir, 'env.sh'));
    await exec('bash', [testbed('rotor-pod.sh'), 'install'], { env: { ...process.env, ...this.env }, maxBuffer: 16 << 20, timeout: 30 * 60_000 });
    return {
      env: this.env,
      // The bridge address: the operator pods and the tests on the host both reach it.
      awsEndpointForStores: this.env.AWS_ENDPOINT_URL!,
      // Port 1 on the pod's own loopback: nothing listens, connections are refused at once.
      deadEndpoint: 'http://127.0.0.2:1',
      operatorNamespace: 'rotor-system',
      operatorServiceAccount: 'rotor',
      inCluster: true,
      workloadImage: `rotor:${process.env.ROTOR_IMAGE_TAG ?? 'e2e'}`,
    };
  }

  async operatorLog(): Promise<string> {
    return operatorPodLogs({ ...process.env, ...this.env });
  }

  async teardown(): Promise<void> {
    if (this.startedBed && !process.env.ROTOR_E2E_KEEP) await exec('bash', [testbed('down.sh')], { timeout: 180_000 });
  }
}
