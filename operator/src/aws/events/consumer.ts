// One long-poll loop per event queue (issue #16): receive up to 10 messages (20 s wait), parse
// each strictly, hand changes to the router, delete each message once the router has queued its
// ExternalSecrets. At-least-once: a message whose handling failed (or a crash before the delete)
// is not deleted and comes back after the queue's visibility timeout; a duplicate costs no
// write (the version did not change) and usually no read (the router drops events it has seen).
// Anything that is not a supported event is counted and deleted, never retried, never a crash.
//
// A broken queue (deleted, AccessDenied, its KMS key refusing us, the network) never blocks
// syncs: polling goes on as before. The loop retries with backoff (1 s doubling to 5 min), says
// so once in the log, and reports rotor_events_queue_up{queue}=0 until a call succeeds again.
import type { Logger } from 'pino';
import { backoffDelayMs, type BackoffPolicy } from '../../platform/backoff.js';
import { classifyAwsError } from '../errors.js';
import { errorForLog } from '../../platform/error-for-log.js';
import { parseEvent, type SecretChange } from './parse.js';
import type { EventQueue, QueueMessage } from './sqs-queue.js';
import { systemClock, type Clock } from '../../platform/clock.js';

/** SQS's largest batch. */
export const RECEIVE_BATCH = 10;

export interface ConsumerMetrics {
  /** Every message received, by event source (aws.secretsmanager, aws.ssm, other, unknown). */
  received(source: string): void;
  /** Not a supported event: by reason (not-json, not-an-event, unknown-source, bad-field, unsupported). */
  malformed(reason: string): void;
  /** A message SQS handed out before (a consumer died or failed before deleting it). */
  redelivered(): void;
  /** From the event's time to its receipt. */
  age(seconds: number): void;
  /** The queue answered (true) or failed (false). */
  up(up: boolean): void;
}

export interface QueueConsumerOptions {
  /** Names the queue in logs (its URL). */
  name: string;
  queue: EventQueue;
  /**
   * Queues every ExternalSecret the change concerns. Resolves once they are queued (then the
   * message is deleted); a rejection leaves the message for redelivery.
   */
  handle: (change: SecretChange, receivedAtMs: number) => Promise<void>;
  metrics: ConsumerMetrics;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /**
   * Told when the queue becomes unreadable, and when it is read again after that (not at the
   * first successful read): the operator turns it into a Kubernetes Event users can see.
   * `code` is the classified AWS error code (never server text).
   */
  onHealthChange?: (change: { up: false; code: string } | { up: true }) => void;
  /** Time source; default the system clock. */
  clock?: Clock;
  backoff?: BackoffPolicy;
  /** Waits `ms` or until `signal` fires (tests replace it). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000, jitter: 0.2 };

export class QueueConsumer {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private healthy: boolean | undefined;

  constructor(private readonly options: QueueConsumerOptions) {}

  /** Starts the loop (once). */
  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the long poll in flight and waits for the loop to finish the message it is on. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    let checked = false;
    let polled = false;
    while (!this.stopped) {
      try {
        // Once per (re)start: a missing queue or permission shows at once, not after a poll.
        if (!checked) {
          await this.options.queue.check(signal);
          checked = true;
        }
        // The first receive after each (re)start does not wait: a readable queue (ReceiveMessage
        // and kms:Decrypt included, which the check does not prove) is reported up at once, not
        // after a 20 s long poll came back empty, so a new leader's rotor_events_queue_up is 1
        // as soon as it reads. Later receives long-poll.
        const messages = await this.options.queue.receive(RECEIVE_BATCH, signal, polled ? undefined : 0);
        polled = true;
        this.report(true);
        failures = 0;
        for (const message of messages) {
          if (this.stopped) break; // not deleted: redelivered to the next leader
          await this.process(message);
        }
      } catch (error) {
        if (this.stopped) break;
        failures++;
        checked = false;
        polled = false;
        this.report(false, error);
        await this.sleep(backoffDelayMs(failures, this.options.backoff ?? DEFAULT_BACKOFF), signal);
      }
    }
  }

  private async process(message: QueueMessage): Promise<void> {
    const receivedAt = (this.options.clock ?? systemClock).now();
    const parsed = parseEvent(message.body);
    const { metrics } = this.options;
    if (message.receiveCount > 1) {
      metrics.redelivered();
      this.options.logger.debug({ queue: this.options.name, receiveCount: message.receiveCount }, 'event queue: a message handed out before (its consumer died or failed to delete it)');
    }
    metrics.received(parsed.kind === 'change' ? parsed.change.source : parsed.source);
    if (parsed.kind === 'malformed') {
      metrics.malformed(parsed.reason);
      this.options.logger.debug({ queue: this.options.name, reason: parsed.reason }, 'event queue: not a supported event; deleted');
    } else if (parsed.kind === 'ignored') {
      metrics.malformed('unsupported');
      this.options.logger.debug({ queue: this.options.name, reason: parsed.reason }, 'event queue: event of a kind Rotor does not act on; deleted');
    } else {
      metrics.age(Math.max(0, (receivedAt - parsed.change.time.getTime()) / 1000));
      try {
        await this.options.handle(parsed.change, receivedAt);
      } catch (error) {
        // Left on the queue: it comes back after the visibility timeout.
        this.options.logger.warn({ queue: this.options.name, event: parsed.change.id, err: errorForLog(error) }, 'event queue: handling an event failed; it will be redelivered');
        return;
      }
    }
    try {
      await this.options.queue.delete(message.receiptHandle);
    } catch (error) {
      // Redelivered later; handling it again is harmless.
      this.options.logger.warn({ queue: this.options.name, code: classifyAwsError(error).code }, 'event queue: deleting a handled message failed (sqs:DeleteMessage granted?); it will be redelivered');
    }
  }

  /** Metric on every outcome; a log line only when the state changes. */
  private report(up: boolean, error?: unknown): void {
    this.options.metrics.up(up);
    if (this.healthy === up) return;
    const first = this.healthy === undefined;
    this.healthy = up;
    if (up) {
      this.options.logger.info({ queue: this.options.name }, first ? 'event queue: reading' : 'event queue: reading again');
      if (!first) this.options.onHealthChange?.({ up: true });
      return;
    }
    const { code, class: kind } = classifyAwsError(error);
    this.options.onHealthChange?.({ up: false, code });
    this.options.logger.warn(
      { queue: this.options.name, code, class: kind },
      'event queue: cannot read it (deleted? sqs:ReceiveMessage / sqs:GetQueueAttributes / kms:Decrypt granted to the operator?); retrying with backoff, refreshes go on by polling',
    );
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.options.sleep) return this.options.sleep(ms, signal);
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
