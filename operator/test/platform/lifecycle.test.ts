import { describe, expect, it, vi } from 'vitest';
import { ControllerLifecycle, type Controllers, type LifecycleOptions } from '../../src/platform/lifecycle.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise((r) => setImmediate(r));

class FakeControllers implements Controllers {
  started = 0;
  stopped = 0;
  stopTimeouts: (number | undefined)[] = [];
  startGate: Promise<void> = Promise.resolve();
  stopGate: Promise<void> = Promise.resolve();
  async start() {
    this.started++;
    await this.startGate;
  }
  async stop(timeoutMs?: number) {
    this.stopped++;
    this.stopTimeouts.push(timeoutMs);
    await this.stopGate;
  }
  readiness() {
    return { ok: true, reasons: [] };
  }
}

function setup(overrides: Partial<LifecycleOptions> = {}) {
  const built: FakeControllers[] = [];
  const exits: number[] = [];
  const drained = vi.fn(async () => undefined);
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), fatal: vi.fn() };
  const lifecycle = new ControllerLifecycle({
    build: async () => {
      const c = new FakeControllers();
      built.push(c);
      return c;
    },
    drain: drained,
    exit: (code) => exits.push(code),
    logger,
    leaderElect: true,
    ...overrides,
  });
  return { lifecycle, built, exits, drained, logger };
}

describe('ControllerLifecycle', () => {
  it('starts the controllers once on leadership and reports their readiness', async () => {
    const { lifecycle, built } = setup();
    expect(lifecycle.readiness()).toEqual({ ok: true, reasons: ['standby: waiting to become leader'] });
    lifecycle.onStartedLeading();
    expect(lifecycle.readiness().ok).toBe(false);
    await flush();
    expect(lifecycle.state).toBe('running');
    expect(built).toHaveLength(1);
    expect(built[0]!.started).toBe(1);
    expect(lifecycle.readiness()).toEqual({ ok: true, reasons: [] });
  });

  it('a replica without leader election is not ready before it starts', () => {
    const { lifecycle } = setup({ leaderElect: false });
    expect(lifecycle.readiness()).toEqual({ ok: false, reasons: ['idle'] });
  });

  // The race of issue 8 item 10: the HMAC key was loaded after leadership was won but before
  // `manager` was set; losing the lease then started a manager anyway.
  it('leadership lost while the HMAC key loads: nothing is started and the process exits', async () => {
    const keyLoaded = deferred<FakeControllers>();
    const { lifecycle, exits, drained } = setup({ build: () => keyLoaded.promise });
    lifecycle.onStartedLeading();
    lifecycle.onStoppedLeading();
    await flush();
    expect(exits).toEqual([1]);
    expect(drained).toHaveBeenCalledTimes(1);
    const late = new FakeControllers();
    keyLoaded.resolve(late);
    await flush();
    expect(late.started).toBe(0);
    expect(lifecycle.state).toBe('stopped');
  });

  it('leadership won again after a loss never builds a second set of controllers', async () => {
    const keyLoaded = deferred<FakeControllers>();
    let builds = 0;
    const { lifecycle } = setup({
      build: () => {
        builds++;
        return keyLoaded.promise;
      },
    });
    lifecycle.onStartedLeading();
    lifecycle.onStoppedLeading();
    lifecycle.onStartedLeading();
    keyLoaded.resolve(new FakeControllers());
    await flush();
    expect(builds).toBe(1);
  });

  it('leadership won twice while leading: one build, one start', async () => {
    const { lifecycle, built } = setup();
    lifecycle.onStartedLeading();
    lifecycle.onStartedLeading();
    await flush();
    lifecycle.onStartedLeading();
    await flush();
    expect(built).toHaveLength(1);
    expect(built[0]!.started).toBe(1);
  });

  it('leadership lost while informers sync: the started controllers are stopped, workers never counted as running', async () => {
    const synced = deferred();
    const controllers = new FakeControllers();
    controllers.startGate = synced.promise;
    const { lifecycle, exits } = setup({ build: async () => controllers });
    lifecycle.onStartedLeading();
    await flush();
    expect(controllers.started).toBe(1);
    lifecycle.onStoppedLeading();
    await flush();
    expect(controllers.stopped).toBe(1);
    expect(exits).toEqual([1]);
    synced.resolve();
    await flush();
    expect(lifecycle.state).toBe('stopped');
  });

  it('a deposed leader stops its workers, flushes rollouts, then exits, once', async () => {
    const order: string[] = [];
    const controllers = new FakeControllers();
    const { lifecycle, exits } = setup({
      build: async () => controllers,
      drain: async () => {
        order.push('drain');
      },
      exit: (code) => order.push(`exit ${code}`),
      stepDownTimeoutMs: 3_000,
    });
    controllers.stop = async (timeoutMs) => {
      order.push(`stop ${timeoutMs}`);
    };
    lifecycle.onStartedLeading();
    await flush();
    lifecycle.onStoppedLeading();
    lifecycle.onStoppedLeading();
    await flush();
    expect(order).toEqual(['stop 3000', 'drain', 'exit 1']);
    expect(exits).toEqual([]);
  });

  it('a hung stop does not keep a deposed leader alive past the step-down bound', async () => {
    vi.useFakeTimers();
    try {
      const controllers = new FakeControllers();
      controllers.stopGate = new Promise(() => undefined); // the API server is away: never returns
      const { lifecycle, exits, logger } = setup({ build: async () => controllers, stepDownTimeoutMs: 4_000 });
      lifecycle.onStartedLeading();
      await vi.advanceTimersByTimeAsync(0);
      lifecycle.onStoppedLeading();
      await vi.advanceTimersByTimeAsync(3_999);
      expect(exits).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(exits).toEqual([1]);
      expect(logger.warn).toHaveBeenCalledWith({ timeoutMs: 4_000 }, expect.stringContaining('too long'));
    } finally {
      vi.useRealTimers();
    }
  });

  it('losing a lease never held (standby) does nothing', async () => {
    const { lifecycle, exits, built } = setup();
    lifecycle.onStoppedLeading();
    await flush();
    expect(exits).toEqual([]);
    expect(built).toHaveLength(0);
    expect(lifecycle.state).toBe('idle');
  });

  it('a failed start (HMAC key unreadable) exits 1', async () => {
    const { lifecycle, exits, logger } = setup({
      build: async () => {
        throw new Error('secrets "rotor-hmac-key" is forbidden');
      },
    });
    lifecycle.onStartedLeading();
    await flush();
    expect(exits).toEqual([1]);
    expect(logger.fatal).toHaveBeenCalledWith(expect.anything(), 'could not start controllers');
  });

  it('startNow (no leader election) resolves once workers run; shutdown stops and drains without exiting', async () => {
    const { lifecycle, built, drained, exits } = setup({ leaderElect: false });
    await lifecycle.startNow();
    expect(lifecycle.state).toBe('running');
    await lifecycle.shutdown();
    expect(built[0]!.stopped).toBe(1);
    expect(drained).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([]);
    expect(lifecycle.state).toBe('stopped');
    // A SIGTERM then a lost lease (the elector releases it on stop) does not exit 1.
    lifecycle.onStoppedLeading();
    await flush();
    expect(exits).toEqual([]);
  });

  it('shutdown while the controllers are still building starts nothing', async () => {
    const keyLoaded = deferred<FakeControllers>();
    const { lifecycle } = setup({ build: () => keyLoaded.promise });
    lifecycle.onStartedLeading();
    await lifecycle.shutdown();
    const late = new FakeControllers();
    keyLoaded.resolve(late);
    await flush();
    expect(late.started).toBe(0);
  });
});
