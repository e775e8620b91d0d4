// Fedify's message queue on the `fedify_message` table, for SQLite and PostgreSQL.
//
// Delivery is at least once. A listener claims a message by giving it a fresh
// lease token and expiry (`locked_until`), runs the handler outside any
// transaction while a heartbeat renews the lease, and acknowledges it by
// deleting the row only if the row still carries that token. If the process
// dies mid-handler, the lease runs out and any listener claims the message
// again. A handler that throws reschedules the message with backoff; after
// `maxAttempts` deliveries it stays in the table as a dead letter.
//
// Ordering keys give strict FIFO per key: a keyed message is claimable only
// when no other live message of its queue and key comes before it in `seq`
// order (whether ready, leased or waiting for a retry) and none of them is
// leased. `seq` is, on SQLite, MAX(seq) + 1 taken inside the enqueuing
// transaction and, on PostgreSQL, the next value of a sequence
// (praxis_message_seq, migration 0017), so a message enqueued after another
// has committed always sorts after it, even across processes; concurrent
// PostgreSQL enqueues may interleave, and ties are broken by id. A message
// its own handler enqueues again with the same key
// (Fedify's retry of a failed delivery, or a delivery held for its host)
// takes over the original's `seq`, so it keeps its place ahead of later
// messages with that key; and no keyed message is claimed while another with
// its key is leased.
//
// Claims are serialised so that ordering holds across processes: on SQLite a
// claim is one UPDATE statement, which holds the database-wide write lock
// while it selects and leases; on PostgreSQL a claim (one call of the
// function praxis_claim) first takes an advisory lock per queue, then leases
// with a snapshot taken once the lock is held (src/db/queue-claim.ts).
//
// Each kind of message has its own lane with its own slots (deliveries,
// inbox activities, fan-outs, anything else): a backlog of one kind never
// holds up another, so a burst of incoming posts is relayed while it is still
// arriving and a fan-out starts while thousands of deliveries are pending.
//
// Deliveries are fair between hosts: each message records the host it goes to
// (Fedify's outbox messages; null for other messages), and a claim never
// leases a delivery whose host already has `hostConcurrency` leased messages,
// counted across every listener. A host that accepts connections and never
// answers holds at most that many slots; the others keep flowing.
//
// The statements are batched: the enqueues made within one turn of the event
// loop (a fan-out's deliveries) are one INSERT, a lane claims once a quarter
// of its slots are free (the inbox lane: half) rather than slot by slot, and the acknowledgements
// of one turn are one DELETE per claim (src/db/coalescer.ts). A lane that came
// back short claims again at once only when told that messages were written
// to it; on anything less certain (one of its messages finished, another
// process committed on SQLite, a poll) it first reads whether a message is
// due, which costs a fraction of an empty claim.
//
// This file is the queue's entry points (enqueueing, listening, what
// operators see and do); the rest is by topic beside it: queue-listener.ts
// (a listener: lanes, claims, leases, draining), queue-messages.ts (a
// message's row, the batched INSERT),
// queue-claim.ts (lanes, the claim), queue-settle.ts (acknowledging,
// rescheduling, releasing, renewing a lease), queue-timing.ts (the
// listener's sleep and a handler's time bound), queue-wake.ts (news of work
// from other processes), queue-vacuum.ts (PostgreSQL's upkeep),
// queue-inspection.ts and queue-admin.ts (what operators see and do).
import type { MessageQueue, MessageQueueDepth, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import type { Kysely } from "kysely";
import { Coalescer } from "./coalescer.ts";
import type { Dialect } from "./database.ts";
import { purgeDead, retryDead, retryNow } from "./queue-admin.ts";
import { type Lane, LANES } from "./queue-claim.ts";
import {
  type DeadLetter, deadLetters, type HostQueueStats, hostStats, type KindStats, kindStats, queueStats, type QueueStats,
} from "./queue-inspection.ts";
import { announceWork, boardOf, type Handler, handling, type ListenerSettings, QueueListener } from "./queue-listener.ts";
import { insertMessages, type PendingMessage, pendingMessage, serialize } from "./queue-messages.ts";
import { acknowledgeAll, warnLeaseLost } from "./queue-settle.ts";
import { QueueVacuum } from "./queue-vacuum.ts";
import type { WakeSource } from "./queue-wake.ts";
import type { Database } from "./schema.ts";

export type { DeadLetter, HostQueueStats, KindStats, QueueStats } from "./queue-inspection.ts";

export interface KyselyMessageQueueOptions {
  dialect: Dialect;
  /** Queue name; instances with different names share the table independently. */
  queue?: string;
  /**
   * Handlers run concurrently by each `listen()` call, per lane: for each kind
   * of message (deliveries, inbox activities, fan-outs, others) that
   * `laneConcurrency` does not set (default 4).
   */
  concurrency?: number;
  /** Handlers run concurrently per lane, overriding `concurrency` for the lanes given. */
  laneConcurrency?: Partial<Record<Lane, number>>;
  /** How long a claim lasts without a heartbeat (default 60 s). */
  leaseMs?: number;
  /** Idle polling period, for messages enqueued by other processes (default 500 ms). */
  pollIntervalMs?: number;
  /** Deliveries after which a failing message becomes a dead letter (default 8). */
  maxAttempts?: number;
  /** A handler still running after this long counts as failed (default 5 × leaseMs). */
  handlerTimeoutMs?: number;
  /**
   * After the listen signal aborts, how long in-flight handlers may run on
   * before their messages are released for redelivery (default 10 s).
   */
  drainTimeoutMs?: number;
  /** Delay before redelivering a message whose `attempt`th delivery failed (default 5 s doubling, at most 1 h). */
  backoff?: (attempt: number) => number;
  /** Messages leased at once for one host, across listeners (default: unlimited). */
  hostConcurrency?: number;
  /** Tells listeners that another process may have enqueued (src/db/queue-wake.ts); polling goes on regardless. */
  wake?: WakeSource;
  /** Tells other threads and processes of what this queue enqueued, by lane (sqliteWake; PostgreSQL's NOTIFY needs none). */
  announce?: (queue: string, lanes: Iterable<string>) => void;
  /**
   * PostgreSQL: listeners vacuum and analyse the table after this many
   * messages settled (src/db/queue-vacuum.ts; default 1,000; 0: never).
   * Ignored on SQLite.
   */
  vacuumEvery?: number;
}

export class KyselyMessageQueue implements MessageQueue {
  /** Fedify retries failed deliveries itself; this queue only retries handlers that throw. */
  readonly nativeRetrial = false;

  readonly #db: Kysely<Database>;
  readonly #dialect: Dialect;
  readonly #queue: string;
  /** What this queue's listeners run by (src/db/queue-listener.ts). */
  readonly #settings: ListenerSettings;
  readonly #announce: ((queue: string, lanes: Iterable<string>) => void) | undefined;
  readonly #enqueues: Coalescer<PendingMessage>;

  constructor(db: Kysely<Database>, options: KyselyMessageQueueOptions) {
    this.#db = db;
    this.#dialect = options.dialect;
    this.#queue = options.queue ?? "default";
    const concurrency = positiveInteger("concurrency", options.concurrency ?? 4);
    const leaseMs = positiveInteger("leaseMs", options.leaseMs ?? 60_000);
    const vacuumEvery = options.vacuumEvery ?? 1_000;
    this.#settings = {
      db,
      dialect: this.#dialect,
      queue: this.#queue,
      slots: Object.fromEntries(LANES.map((lane) => {
        const own = options.laneConcurrency?.[lane];
        return [lane, own === undefined ? concurrency : positiveInteger(`laneConcurrency.${lane}`, own)];
      })) as Record<Lane, number>,
      leaseMs,
      pollIntervalMs: positiveInteger("pollIntervalMs", options.pollIntervalMs ?? 500),
      maxAttempts: positiveInteger("maxAttempts", options.maxAttempts ?? 8),
      handlerTimeoutMs: positiveInteger("handlerTimeoutMs", options.handlerTimeoutMs ?? 5 * leaseMs),
      drainTimeoutMs: Math.max(0, options.drainTimeoutMs ?? 10_000),
      backoff: options.backoff ?? ((attempt) => Math.min(5_000 * 2 ** (attempt - 1), 3_600_000)),
      hostConcurrency: options.hostConcurrency === undefined ? null : positiveInteger("hostConcurrency", options.hostConcurrency),
      wake: options.wake,
      acks: new Coalescer((leases) => acknowledgeAll(db, leases)),
      vacuum: this.#dialect === "postgres" && vacuumEvery > 0 ? new QueueVacuum(db, vacuumEvery) : null,
      board: boardOf(db),
    };
    this.#announce = options.announce;
    this.#enqueues = new Coalescer((messages) => this.#insert(messages));
  }

  /** PostgreSQL: the table's upkeep by this queue's listeners (null on SQLite or when turned off). */
  get vacuum(): QueueVacuum | null {
    return this.#settings.vacuum;
  }

  enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    return this.enqueueMany([message], options);
  }

  /**
   * Enqueues the messages in order. The enqueues made within one turn of the
   * event loop are written together: in one transaction on PostgreSQL, and
   * on SQLite atomically per CHUNK_SIZE messages (queue-messages.ts). Resolves once the
   * messages are stored.
   */
  enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const now = Date.now();
    const delayMs = options?.delay === undefined ? 0 : Math.max(0, options.delay.total("millisecond"));
    const orderingKey = options?.orderingKey ?? null;
    // A handler that enqueues a message with its own ordering key (Fedify
    // retrying or holding a delivery) puts it in its own place in that key's
    // order, so that later messages with the key (an Update after a Create)
    // stay behind it.
    const current = handling.getStore();
    const inheritedSeq = messages.length === 1 && current !== undefined && current.queue === this.#queue
      && orderingKey !== null && current.ordering_key === orderingKey ? current.seq : null;
    let pending: PendingMessage[];
    try {
      pending = messages.map((message) => pendingMessage(message, orderingKey, now, delayMs, inheritedSeq));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueues.addAll(pending);
  }

  /**
   * Enqueues messages with an ordering key each (a fan-out's deliveries, one
   * key per object and inbox), in order, written together as enqueueMany.
   */
  enqueueEach(entries: readonly { message: unknown; orderingKey?: string | null }[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const now = Date.now();
    let pending: PendingMessage[];
    try {
      pending = entries.map(({ message, orderingKey }) => pendingMessage(message, orderingKey ?? null, now, 0, null));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueues.addAll(pending);
  }

  /**
   * Replaces the payload of the message whose handler is running (a
   * fan-out's progress), so that a redelivery after a crash resumes from
   * there. Does nothing outside a handler or once the lease is lost.
   */
  async checkpoint(message: unknown): Promise<void> {
    const lease = handling.getStore();
    if (!lease || lease.queue !== this.#queue) return;
    const payload = serialize(message);
    const result = await this.#db.updateTable("fedify_message").set({ payload })
      .where("id", "=", lease.id).where("lease_token", "=", lease.token)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) warnLeaseLost(lease);
  }

  /** Writes one batch of enqueued messages, in order, and wakes the listeners of their lanes (announceNew). */
  async #insert(messages: PendingMessage[]): Promise<void> {
    this.#announceNew(await insertMessages(this.#db, this.#dialect, this.#queue, messages));
  }

  /**
   * Runs handlers until `signal` aborts, up to each lane's slots at a time
   * (src/db/queue-listener.ts). Never rejects: handler failures reschedule
   * their message and database errors are logged and retried at the next
   * poll. On abort it stops claiming, lets in-flight handlers finish for up
   * to `drainTimeoutMs`, releases the messages of those still running, and
   * resolves.
   */
  listen(handler: Handler, options: MessageQueueListenOptions = {}): Promise<void> {
    return new QueueListener(this.#settings).listen(handler, options);
  }

  /** Messages waiting to be handled (ready or delayed), excluding leased and dead ones. */
  async getDepth(): Promise<MessageQueueDepth> {
    const { ready, delayed } = await this.stats();
    return { queued: ready + delayed, ready, delayed };
  }

  async stats(): Promise<QueueStats> {
    return queueStats(this.#db, this.#queue);
  }

  /** The most recent dead letters, without their payloads. */
  deadLetters(limit = 20): Promise<DeadLetter[]> {
    return deadLetters(this.#db, this.#queue, limit);
  }

  /** Depth per message kind (fanout, outbox, inbox), kinds with no message left out. */
  statsByKind(): Promise<KindStats[]> {
    return kindStats(this.#db, this.#queue);
  }

  /** Deliveries per host (hosts with a message in the queue), most queued first. */
  hostStats(limit = 50): Promise<HostQueueStats[]> {
    return hostStats(this.#db, this.#queue, limit);
  }

  /** Makes one dead letter (or all of them) deliverable again with fresh attempts; returns how many. */
  async retryDead(id?: string): Promise<number> {
    const retried = await retryDead(this.#db, this.#queue, id);
    this.#announceNew();
    return retried;
  }

  /** Deletes every dead letter of this queue; returns how many. */
  purgeDead(): Promise<number> {
    return purgeDead(this.#db, this.#queue);
  }

  /**
   * Makes the delayed messages (retries, held deliveries) due now: those for
   * `host` only, or all of them (src/db/queue-admin.ts). Returns how many.
   */
  retryNow(options: { host?: string; settleMs?: number } = {}): Promise<number> {
    return retryNow(this.#db, this.#queue, () => this.#announceNew(), options);
  }

  /**
   * New work (queued, or made due again by an operator): for this thread's
   * listeners, and through `announce` (on SQLite, src/db/queue-wake.ts) for
   * the other threads' and processes'; on PostgreSQL the enqueue sent its
   * NOTIFY itself. (A message released by a listener that stops is taken
   * by this process's listeners, or others' at their next poll.)
   */
  #announceNew(lanes: ReadonlySet<Lane> | null = null): void {
    announceWork(this.#settings.board, this.#queue, lanes);
    this.#announce?.(this.#queue, lanes ?? LANES);
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
