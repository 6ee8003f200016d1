// When the controllers run: once per process, only while this replica leads (with
// --leader-elect), and never twice. main.ts wires it to the LeaderElector; everything it
// drives is injected so every ordering of "won / lost / started / signalled" is unit-tested.
//
// States: idle -> starting -> running -> stopping -> stopped. Starting has two awaits
// (build: e.g. load the HMAC key; start: informers sync) and leadership can be lost during
// either; the state is re-checked after each, so a deposed replica never starts workers,
// and a second "won" (the elector keeps campaigning) never builds a second set.
//
// A deposed leader stops its work queues, flushes pending rollouts and exits within
// `stepDownTimeoutMs`: the elector steps down renewDeadline (10 s) after the START of its last
// successful renewal, on its own timer even while a renewal hangs, and nobody else may take
// the Lease before leaseDuration (15 s) from then, so finishing inside those 5 s means the
// next leader never runs beside us. That is enforced, not hoped for: kube/client/write-fence.ts
// refuses every write from 14 s on and aborts the ones in flight, whatever this class or the
// work it stops is still doing (a stuck reconcile, a slow drain, a frozen event loop).
// The pod restarts clean.
import { errorForLog } from './error-for-log.js';
import type { Logger } from 'pino';
import type { Readiness } from './server.js';

/** What a leader runs: the Manager (informers, work queues, reconcilers). */
export interface Controllers {
  start(): Promise<void>;
  /** Stops work queues (waiting at most timeoutMs for running reconciles) and informers. */
  stop(timeoutMs?: number): Promise<void>;
  readiness(): Readiness;
}

export interface LifecycleOptions {
  /** Builds the controllers (loads the HMAC key, creates the Manager); does not start them. */
  build: () => Promise<Controllers>;
  /** Finishes work that outlives a reconcile (the rollout debounce), before exit or shutdown. */
  drain: () => Promise<void>;
  /** Ends the process (process.exit in production). */
  exit: (code: number) => void;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'fatal'>;
  /** Whether a replica that is not leading counts as ready (a hot standby). */
  leaderElect: boolean;
  /** Bound on stop + drain when deposed. Default 4 s (inside leaseDuration - renewDeadline). */
  stepDownTimeoutMs?: number;
  /** Bound on stop + drain on SIGTERM. Default 20 s (inside the pod's grace period). */
  shutdownTimeoutMs?: number;
}

export type LifecycleState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export class ControllerLifecycle {
  private current: LifecycleState = 'idle';
  private controllers: Controllers | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: LifecycleOptions) {}

  get state(): LifecycleState {
    return this.current;
  }

  /** Leadership won (or no election). Starts the controllers unless they were ever started. */
  onStartedLeading(): void {
    if (this.current !== 'idle') {
      this.options.logger.warn({ state: this.current }, 'leadership won again; controllers are not started twice');
      return;
    }
    this.current = 'starting';
    this.starting = this.startControllers();
  }

  /** Without leader election: start and wait until the workers run. Throws when start fails. */
  async startNow(): Promise<void> {
    this.onStartedLeading();
    await this.starting;
    if (this.current !== 'running') throw new Error('controllers did not start');
  }

  /** Leadership lost. Whatever was started or is starting is stopped, then the process exits. */
  onStoppedLeading(): void {
    if (this.current === 'idle') return; // never led: keep campaigning as a standby
    if (this.current === 'stopping' || this.current === 'stopped') return;
    this.options.logger.fatal({ state: this.current }, 'lost leadership; stopping workers and exiting so the pod restarts clean');
    void this.stop(this.options.stepDownTimeoutMs ?? 4_000).finally(() => this.options.exit(1));
  }

  /** SIGTERM: stop work queues and informers, flush rollouts. Safe to call in any state. */
  async shutdown(): Promise<void> {
    await this.stop(this.options.shutdownTimeoutMs ?? 20_000);
  }

  readiness(): Readiness {
    if (this.current === 'running' && this.controllers) return this.controllers.readiness();
    if (this.current === 'idle' && this.options.leaderElect) return { ok: true, reasons: ['standby: waiting to become leader'] };
    return { ok: false, reasons: [this.current === 'starting' ? 'starting' : this.current] };
  }

  private async startControllers(): Promise<void> {
    try {
      const controllers = await this.options.build();
      if (this.current !== 'starting') return; // deposed or signalled while building: start nothing
      this.controllers = controllers;
      await controllers.start();
      if (this.current !== 'starting') return; // stop() is already stopping them
      this.current = 'running';
    } catch (error) {
      if (this.current !== 'starting') return;
      this.options.logger.fatal({ err: errorForLog(error) }, 'could not start controllers');
      this.current = 'stopped';
      this.options.exit(1);
    }
  }

  private stop(timeoutMs: number): Promise<void> {
    if (this.stopping) return this.stopping;
    this.current = 'stopping';
    this.stopping = withTimeout(this.stopAndDrain(timeoutMs), timeoutMs, () =>
      this.options.logger.warn({ timeoutMs }, 'stopping took too long; giving up on the rest'),
    ).finally(() => {
      this.current = 'stopped';
    });
    return this.stopping;
  }

  private async stopAndDrain(timeoutMs: number): Promise<void> {
    try {
      await this.controllers?.stop(timeoutMs);
    } catch (error) {
      this.options.logger.error({ err: errorForLog(error) }, 'stopping controllers failed');
    }
    try {
      await this.options.drain();
    } catch (error) {
      this.options.logger.error({ err: errorForLog(error) }, 'flushing rollouts failed');
    }
  }
}

function withTimeout(work: Promise<void>, timeoutMs: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, timeoutMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
