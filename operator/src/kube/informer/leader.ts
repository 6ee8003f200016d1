// Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection:
//   - a candidate takes the Lease when it is free (no holder) or expired; expiry is judged
//     by when *we* last saw the record change plus leaseDuration, not by the renewTime the
//     holder wrote, so clock skew between nodes does not matter;
//   - the leader renews every retryPeriod; every write is a full replace guarded by
//     resourceVersion, so two candidates racing for the same Lease cannot both win;
//   - a leader's term is measured from the moment it STARTED its last successful renewal (the
//     write cannot have landed earlier, and any standby saw it later still, so no standby may
//     take over before that start + leaseDuration). It steps down at start + renewDeadline on a
//     timer of its own, whether or not a renewal is still hanging (waiting for the hung request
//     to time out first let two leaders overlap by seconds);
//   - writes are fenced (kube/client/write-fence.ts): allowed until start + leaseDuration - a margin,
//     refused after, and aborted in flight then. Between renewDeadline and that point the
//     deposed leader drains (lifecycle.ts); the margin covers a request already on the wire;
//   - a leader that sees another holder on the Lease steps down and closes the fence at once;
//   - stop() closes the fence, then releases the Lease (empty holder, leaseDurationSeconds 1)
//     so a standby replica takes over at its next retry instead of waiting out the lease.
import type { CoordinationApi } from '../client/api.js';
import type { WriteFenceControl } from '../client/write-fence.js';
import { microTime, type Lease, type LeaseSpec } from '../client/objects.js';
import type { Logger } from 'pino';
import { isConflict, isNotFound, toKubeApiError } from '../client/errors.js';
import { errorForLog } from '../../platform/error-for-log.js';
import { systemClock, type Clock } from '../../platform/clock.js';

/** The three Lease calls the elector needs; kubeLeaseApi() implements them on CoordinationApi. */
export interface LeaseApi {
  /** undefined when the Lease does not exist. */
  get(namespace: string, name: string): Promise<Lease | undefined>;
  /** Throws ConflictError when it already exists. */
  create(lease: Lease): Promise<Lease>;
  /** Throws ConflictError when metadata.resourceVersion is stale. */
  replace(lease: Lease): Promise<Lease>;
}

export function kubeLeaseApi(coordination: Pick<CoordinationApi, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>): LeaseApi {
  return {
    async get(namespace, name) {
      try {
        return await coordination.readNamespacedLease({ namespace, name });
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw toKubeApiError(error, `read Lease ${namespace}/${name}`);
      }
    },
    async create(lease) {
      const namespace = lease.metadata?.namespace ?? '';
      try {
        return await coordination.createNamespacedLease({ namespace, body: lease });
      } catch (error) {
        throw toKubeApiError(error, `create Lease ${namespace}/${lease.metadata?.name}`);
      }
    },
    async replace(lease) {
      const namespace = lease.metadata?.namespace ?? '';
      const name = lease.metadata?.name ?? '';
      try {
        return await coordination.replaceNamespacedLease({ namespace, name, body: lease });
      } catch (error) {
        throw toKubeApiError(error, `update Lease ${namespace}/${name}`);
      }
    },
  };
}

export interface LeaderElectorOptions {
  lease: LeaseApi;
  namespace: string;
  name: string;
  /** Unique per replica, e.g. the pod name. */
  identity: string;
  /** How long a Lease stays valid without renewal. Default 15s. */
  leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down. Default 10s; must be < leaseDurationMs. */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. Default 2s. */
  retryPeriodMs?: number;
  /**
   * Opened until (renewal start + leaseDuration - writeFenceMarginMs) at each renewal, closed
   * on a definite loss and on stop(). Unset: nothing is fenced.
   */
  writeFence?: WriteFenceControl;
  /** How long before the Lease may expire writes stop. Default 1s; leaseDuration - margin must exceed renewDeadline. */
  writeFenceMarginMs?: number;
  onStartedLeading?: () => void;
  /** Called when leadership is lost or released. The elector keeps campaigning unless stopped. */
  onStoppedLeading?: () => void;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** Time source (platform/clock.ts); default the system clock, tests move it. */
  clock?: Clock;
  random?: () => number;
}

const DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, writeFenceMarginMs: 1_000 };
/** client-go waits retryPeriod * (1 + up to 1.2) between acquire attempts so standbys spread out. */
const ACQUIRE_JITTER = 1.2;

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly writeFenceMarginMs: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private leading = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  /** Fires at lastRenewStart + renewDeadline: steps down even while a renewal hangs. */
  private stepDownTimer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> | undefined;
  /** When the last successful acquire/renew attempt started (before its first request). */
  private lastRenewStart = 0;
  /** The last Lease record we saw and when we first saw it (our clock). */
  private observedRecord = '';
  private observedAt = 0;
  private observedHolder: string | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? DEFAULTS.leaseDurationMs;
    this.renewDeadlineMs = options.renewDeadlineMs ?? DEFAULTS.renewDeadlineMs;
    this.retryPeriodMs = options.retryPeriodMs ?? DEFAULTS.retryPeriodMs;
    this.writeFenceMarginMs = options.writeFenceMarginMs ?? DEFAULTS.writeFenceMarginMs;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    if (this.renewDeadlineMs >= this.leaseDurationMs) {
      throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
    }
    if (this.writeFenceMarginMs < 0 || this.leaseDurationMs - this.writeFenceMarginMs <= this.renewDeadlineMs) {
      throw new Error('leader election: the write fence margin must be >= 0 and leave writes open past renewDeadline (leaseDuration - margin > renewDeadline)');
    }
  }

  /** Judged by the clock too: a leader whose step-down timer has not run yet (busy loop) is not one. */
  isLeader(): boolean {
    return this.leading && this.clock.now() < this.lastRenewStart + this.renewDeadlineMs;
  }

  /** Holder identity last seen on the Lease ('' when released, undefined before the first read). */
  currentLeader(): string | undefined {
    return this.observedHolder;
  }

  /** Starts campaigning; the first attempt is immediate. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops campaigning, clears the timer and releases the Lease if we hold it. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.attempt;
    // Nothing may write once the release lets a standby in.
    this.options.writeFence?.close('this replica released the leader Lease');
    // Release even when not (yet) leading: an attempt that finished during stop() may hold it.
    // Bounded: a hung API server must not hold up shutdown (the lease then simply expires).
    await this.withDeadline(this.release().then(() => true));
    this.stepDown('released');
  }

  // ------------------------------------------------------------ loop

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.attempt = this.tick().finally(() => {
        this.attempt = undefined;
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    // Taken before the first request: the term is counted from here, not from the answer.
    const startedAt = this.clock.now();
    let held = false;
    try {
      held = await this.withDeadline(this.tryAcquireOrRenew(startedAt));
    } catch (error) {
      this.options.logger?.warn({ lease: this.leaseName(), err: errorForLog(error) }, 'lease update failed');
    }
    if (!this.running) return;
    if (held && this.clock.now() < startedAt + this.renewDeadlineMs) {
      this.held(startedAt);
    } else if (this.leading) {
      const holder = this.observedHolder;
      if (holder && holder !== this.options.identity) {
        this.options.writeFence?.close(`replica ${holder} holds the leader Lease`);
        this.stepDown('lost');
      } else if (this.clock.now() >= this.lastRenewStart + this.renewDeadlineMs) {
        this.stepDown('lost'); // the timer normally got here first
      }
    }
    const delay = this.leading ? this.retryPeriodMs : this.retryPeriodMs * (1 + ACQUIRE_JITTER * this.random());
    this.schedule(delay);
  }

  /** We hold the Lease as of `startedAt`: extend the term, the write fence and the step-down timer. */
  private held(startedAt: number): void {
    this.lastRenewStart = startedAt;
    this.options.writeFence?.openUntil(startedAt + this.leaseDurationMs - this.writeFenceMarginMs);
    clearTimeout(this.stepDownTimer);
    this.stepDownTimer = setTimeout(
      () => {
        this.stepDownTimer = undefined;
        this.stepDown('lost');
      },
      Math.max(0, startedAt + this.renewDeadlineMs - this.clock.now()),
    );
    if (!this.leading) {
      this.leading = true;
      this.options.logger?.info({ lease: this.leaseName(), identity: this.options.identity }, 'became leader');
      this.callHook(this.options.onStartedLeading, 'onStartedLeading');
    }
  }

  /** A hung API call must not keep us "leading" past the renew deadline. */
  private withDeadline(attempt: Promise<boolean>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.renewDeadlineMs);
    });
    return Promise.race([attempt, deadline]).finally(() => clearTimeout(timer));
  }

  private stepDown(why: 'lost' | 'released'): void {
    clearTimeout(this.stepDownTimer);
    this.stepDownTimer = undefined;
    if (!this.leading) return;
    this.leading = false;
    const log = why === 'lost' ? this.options.logger?.warn : this.options.logger?.info;
    log?.call(this.options.logger, { lease: this.leaseName(), identity: this.options.identity }, why === 'lost' ? 'lost leadership' : 'released leadership');
    this.callHook(this.options.onStoppedLeading, 'onStoppedLeading');
  }

  /** A throwing callback must not kill the renew loop (that would leave a leader that never renews). */
  private callHook(hook: (() => void) | undefined, name: string): void {
    try {
      hook?.();
    } catch (error) {
      this.options.logger?.warn({ lease: this.leaseName(), err: errorForLog(error) }, `${name} callback failed`);
    }
  }

  /** true when we hold the Lease after this call; `startedAt` is when the attempt began. */
  private async tryAcquireOrRenew(startedAt: number): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const lease = await this.options.lease.get(namespace, name);
    // After the read: a record seen now changed at the latest now, so expiry counts from here
    // (a time taken before the read could predate a renewal that landed during it).
    const now = this.clock.now();
    if (!lease) {
      try {
        await this.options.lease.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { namespace, name },
          spec: this.heldSpec(now, undefined),
        });
      } catch (error) {
        if (isConflict(error)) return false; // another candidate created it first
        throw error;
      }
      this.observe(identity, startedAt);
      return true;
    }

    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    this.observedHolder = holder;
    const record = JSON.stringify([holder, String(spec.renewTime ?? ''), spec.leaseDurationSeconds, spec.leaseTransitions]);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = now;
    }
    const durationMs = (spec.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
    if (holder && holder !== identity && now < this.observedAt + durationMs) return false;

    try {
      await this.options.lease.replace({ ...lease, spec: this.heldSpec(now, spec) });
    } catch (error) {
      if (isConflict(error)) return false; // someone wrote the Lease since we read it
      throw error;
    }
    this.observe(identity, startedAt);
    return true;
  }

  private heldSpec(now: number, previous: LeaseSpec | undefined): LeaseSpec {
    const renewing = previous?.holderIdentity === this.options.identity;
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      // MicroTime: the API server wants six fractional digits.
      acquireTime: renewing && previous?.acquireTime ? previous.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (previous && !renewing ? 1 : 0),
    };
  }

  private observe(holder: string, now: number): void {
    this.observedHolder = holder;
    this.observedRecord = '';
    this.observedAt = now;
  }

  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    try {
      const lease = await this.options.lease.get(namespace, name);
      if (!lease || lease.spec?.holderIdentity !== identity) return;
      const now = microTime(this.clock.now());
      await this.options.lease.replace({
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
      this.observedHolder = '';
    } catch (error) {
      // Not fatal: the standby takes over when the lease expires instead.
      this.options.logger?.warn({ lease: this.leaseName(), err: errorForLog(error) }, 'could not release the lease');
    }
  }

  private leaseName(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }
}
