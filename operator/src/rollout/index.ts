// Public surface of workload rollouts (DESIGN.md §4).
export { AWS_PENDING_STAGE, shouldRollOut, type RolloutDecision, type RolloutDecisionInput } from './decide.js';
export { isEmptyLabelSelector, matchesLabelSelector, parseReloadAnnotation, validateLabelSelector } from './selector.js';
export {
  ARGO_ROLLOUTS,
  KubeWorkloadClient,
  WORKLOAD_KINDS,
  WorkloadApiError,
  type KubeWorkloadClientOptions,
  type WorkloadClient,
  type WorkloadKind,
  type WorkloadSummary,
} from './workloads.js';
export { resolveTargets, workloadId, type ResolveTargetsInput, type ResolvedTargets } from './targets.js';
export { mergeRestartedFor, parseRestartedFor, versionHash } from './restarted-for.js';
export {
  ROLLOUT_EVENT_REASON,
  RolloutCoordinator,
  type RolloutCoordinatorOptions,
  type RolloutMetrics,
  type RolloutRequest,
  type RolloutResult,
  type RolloutTimers,
  type WorkloadOutcome,
} from './coordinator.js';
