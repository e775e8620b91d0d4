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
// This file is the listener and the enqueue entry points; the rest is by
// topic beside it: queue-messages.ts (a message's row, the batched INSERT),
// queue-claim.ts (lanes, the claim), queue-settle.ts (acknowledging,
// rescheduling, releasing, renewing a lease), queue-timing.ts (the
// listener's sleep and a handler's time bound), queue-wake.ts (news of work
// from other processes), queue-vacuum.ts (PostgreSQL's upkeep),
// queue-inspection.ts and queue-admin.ts (what operators see and do).
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { MessageQueue, MessageQueueDepth, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { Kysely } from "kysely";
import { Coalescer } from "./coalescer.ts";
import type { Dialect } from "./database.ts";
import { purgeDead, retryDead, retryNow } from "./queue-admin.ts";
import { claimMessages, firstUnleased, type Lane, LANES, nextDue } from "./queue-claim.ts";
import { insertMessages, type PendingMessage, pendingMessage, serialize } from "./queue-messages.ts";
import { acknowledgeAll, buryUnacknowledged, type Lease, release, renew, reschedule, warnLeaseLost } from "./queue-settle.ts";
import { Alarm, withTimeout } from "./queue-timing.ts";
import { QueueVacuum } from "./queue-vacuum.ts";
import type { WakeSource } from "./queue-wake.ts";
import {
  type DeadLetter, deadLetters, type HostQueueStats, hostStats, type KindStats, kindStats, queueStats, type QueueStats,
} from "./queue-inspection.ts";
import { isDatabaseUnavailable } from "./faults.ts";
import type { Database } from "./schema.ts";

export type { DeadLetter, HostQueueStats, KindStats, QueueStats } from "./queue-inspection.ts";

const logger = getLogger(["praxis", "db", "queue"]);

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

/** The message whose handler is running in the current async context. */
const handling = new AsyncLocalStorage<Lease>();

interface Delivery {
  /** Settles once the message is acknowledged, rescheduled or abandoned; never rejects. */
  done: Promise<void>;
  /** Stops renewing the lease and hands the message back for immediate redelivery. */
  abandon(): Promise<void>;
}

type Handler = (message: any) => Promise<void> | void;

/**
 * News for this process's listeners of a queue (event type: the queue name):
 * `lanes` may have claimable messages (null: every lane). `certain` when
 * messages were just written there (enqueued, retried, released); otherwise
 * (a message of the lane finished, which may unblock the next with its
 * ordering key or its host) an idle lane looks before it claims.
 */
interface WorkNews {
  lanes: ReadonlySet<Lane> | null;
  certain: boolean;
}

/**
 * Where the news goes: one board per database handle, so that several
 * Praxis servers in one process (the tests, the benchmark) hear only of
 * their own queue's work, and a second handle on the same database stands
 * for another process, told by the wake source (queue-wake.ts).
 */
const boards = new WeakMap<Kysely<Database>, EventTarget>();

function boardOf(db: Kysely<Database>): EventTarget {
  let board = boards.get(db);
  if (!board) boards.set(db, board = new EventTarget());
  return board;
}

/** Per lane of a listener: its slots and what it has in flight. */
interface LaneState {
  lane: Lane;
  /** The lane alone, as news names it (made once: every finished message announces it). */
  only: ReadonlySet<Lane>;
  slots: number;
  /** Free slots below which the lane waits for more before claiming (unless nothing is in flight). */
  batch: number;
  deliveries: Set<Delivery>;
  /** The lane came back short: claim again only once work is announced or this time has come. */
  idleUntil: number;
  /** Announcements of work for the lane so far: one that comes while a claim is under way is not lost. */
  announced: number;
  /**
   * The lane came back short, and nothing since has said for certain that
   * it has work: before claiming (a write, and on SQLite a statement of a
   * tenth of a millisecond or more even on an empty table), it reads whether
   * a message that no lease holds is due. So a message that finishes, a
   * commit of another process on SQLite (which names no lane) and each poll
   * cost an idle lane a read, not a claim and a read. Cleared by news that
   * is certain: an enqueue here, or a NOTIFY naming the lane.
   */
  look: boolean;
  /**
   * Deliveries to finish before the lane claims again: set when its claim
   * found nothing it could take while deliveries were in flight (every due
   * one is for a host at its cap), so that it does not look again — a
   * look that reads past all of that host's backlog — at every single
   * delivery that finishes.
   */
  capWait: number;
}

export class KyselyMessageQueue implements MessageQueue {
  /** Fedify retries failed deliveries itself; this queue only retries handlers that throw. */
  readonly nativeRetrial = false;

  readonly #db: Kysely<Database>;
  readonly #dialect: Dialect;
  readonly #queue: string;
  readonly #slots: Record<Lane, number>;
  readonly #leaseMs: number;
  readonly #pollIntervalMs: number;
  readonly #maxAttempts: number;
  readonly #handlerTimeoutMs: number;
  readonly #drainTimeoutMs: number;
  readonly #backoff: (attempt: number) => number;
  readonly #hostConcurrency: number | null;
  readonly #wake: WakeSource | undefined;
  readonly #announce: ((queue: string, lanes: Iterable<string>) => void) | undefined;
  readonly #enqueues: Coalescer<PendingMessage>;
  readonly #acks: Coalescer<Lease>;
  readonly #vacuum: QueueVacuum | null;
  /** Where this process's listeners of the queue hear of work (boardOf). */
  readonly #board: EventTarget;

  constructor(db: Kysely<Database>, options: KyselyMessageQueueOptions) {
    this.#db = db;
    this.#dialect = options.dialect;
    this.#queue = options.queue ?? "default";
    const concurrency = positiveInteger("concurrency", options.concurrency ?? 4);
    this.#slots = Object.fromEntries(LANES.map((lane) => {
      const own = options.laneConcurrency?.[lane];
      return [lane, own === undefined ? concurrency : positiveInteger(`laneConcurrency.${lane}`, own)];
    })) as Record<Lane, number>;
    this.#leaseMs = positiveInteger("leaseMs", options.leaseMs ?? 60_000);
    this.#pollIntervalMs = positiveInteger("pollIntervalMs", options.pollIntervalMs ?? 500);
    this.#maxAttempts = positiveInteger("maxAttempts", options.maxAttempts ?? 8);
    this.#handlerTimeoutMs = positiveInteger("handlerTimeoutMs", options.handlerTimeoutMs ?? 5 * this.#leaseMs);
    this.#drainTimeoutMs = Math.max(0, options.drainTimeoutMs ?? 10_000);
    this.#backoff = options.backoff ?? ((attempt) => Math.min(5_000 * 2 ** (attempt - 1), 3_600_000));
    this.#hostConcurrency = options.hostConcurrency === undefined ? null : positiveInteger("hostConcurrency", options.hostConcurrency);
    this.#wake = options.wake;
    this.#announce = options.announce;
    this.#enqueues = new Coalescer((messages) => this.#insert(messages));
    this.#acks = new Coalescer((leases) => acknowledgeAll(this.#db, leases));
    const vacuumEvery = options.vacuumEvery ?? 1_000;
    this.#vacuum = this.#dialect === "postgres" && vacuumEvery > 0 ? new QueueVacuum(db, vacuumEvery) : null;
    this.#board = boardOf(db);
  }

  /** PostgreSQL: the table's upkeep by this queue's listeners (null on SQLite or when turned off). */
  get vacuum(): QueueVacuum | null {
    return this.#vacuum;
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
   * Runs handlers until `signal` aborts, up to each lane's slots at a time.
   * Never rejects: handler failures reschedule their message and database
   * errors are logged and retried at the next poll. On abort it stops
   * claiming, lets in-flight handlers finish for up to `drainTimeoutMs`,
   * releases the messages of those still running, and resolves.
   */
  async listen(handler: Handler, options: MessageQueueListenOptions = {}): Promise<void> {
    const { signal } = options;
    const alarm = new Alarm();
    const lanes: LaneState[] = LANES.map((lane) => ({
      lane,
      only: new Set([lane]),
      slots: this.#slots[lane],
      // Incoming activities keep the CPU busy (a few in flight are enough),
      // and each claim is one write: they are claimed half their slots at a time.
      batch: Math.max(1, Math.floor(this.#slots[lane] / (lane === "inbox" ? 2 : 4))),
      deliveries: new Set(),
      idleUntil: 0,
      announced: 0,
      look: false,
      capWait: 0,
    }));
    const onWork = (event: Event) => {
      const news = (event as CustomEvent<WorkNews>).detail;
      for (const state of lanes) {
        if (news.lanes !== null && !news.lanes.has(state.lane)) continue;
        state.idleUntil = 0;
        state.announced++;
        if (news.certain) state.look = false;
      }
      alarm.ring();
    };
    const ring = () => alarm.ring();
    this.#board.addEventListener(this.#queue, onWork);
    signal?.addEventListener("abort", ring);
    // Another thread or process may have enqueued: the lanes it names look
    // again (every lane if it names none, or one this version does not know).
    const unsubscribe = this.#wake?.((named) => {
      const woken = named !== null && [...named].every((lane) => (LANES as readonly string[]).includes(lane)) ? named : null;
      for (const state of lanes) {
        if (woken !== null && !woken.has(state.lane)) continue;
        state.idleUntil = 0;
        state.announced++;
        // A NOTIFY or a thread's message names the lanes its messages went to; SQLite's signal file names none.
        if (woken !== null) state.look = false;
      }
      alarm.ring();
    });
    try {
      while (!signal?.aborted) {
        alarm.reset();
        const now = Date.now();
        for (const state of lanes) {
          try {
            await this.#fill(state, handler, now);
          } catch (error) {
            // A database locked by another process, or PostgreSQL restarting: the next poll retries.
            if (isDatabaseUnavailable(error)) logger.warn("Polling queue {queue} failed, will retry: {error}", { queue: this.#queue, error });
            else logger.error("Polling queue {queue} failed: {error}", { queue: this.#queue, error });
            state.idleUntil = Date.now() + this.#pollIntervalMs;
          }
          if (signal?.aborted) break;
        }
        // Sleep until a lane may claim again: work announced here (an
        // enqueue, a finished delivery), its poll time (work from other
        // processes, delayed messages coming due), or a slot freeing up.
        const wake = Math.min(...lanes.map((state) => (this.#waitsForSlots(state) ? Infinity : state.idleUntil)));
        const sleepMs = Math.max(0, Math.min(this.#pollIntervalMs, wake - Date.now()));
        if (sleepMs > 0) await alarm.sleep(sleepMs);
      }
    } finally {
      this.#board.removeEventListener(this.#queue, onWork);
      signal?.removeEventListener("abort", ring);
      unsubscribe?.();
    }
    await this.#drain(new Set(lanes.flatMap((state) => [...state.deliveries])));
    await this.#vacuum?.idle(this.#drainTimeoutMs);
  }

  /** Whether a lane may claim only once some of its deliveries finish. */
  #waitsForSlots(state: LaneState): boolean {
    if (state.capWait > 0) return true;
    const free = state.slots - state.deliveries.size;
    return free <= 0 || (state.deliveries.size > 0 && free < state.batch);
  }

  /** Claims for one lane if it has enough free slots and may have work; starts the handlers. */
  async #fill(state: LaneState, handler: Handler, now: number): Promise<void> {
    for (;;) {
      // Claim in batches: wait for a quarter of the slots (the inbox lane: half) to be free, unless the lane is idle.
      if (this.#waitsForSlots(state) || state.idleUntil > now) return;
      const announced = state.announced;
      if (state.look) {
        const at = Date.now();
        const first = await firstUnleased(this.#db, this.#dialect, this.#queue, state.lane, at);
        if (first === null || first > at) {
          // News that came during the read is looked at again.
          if (state.announced !== announced) continue;
          state.idleUntil = at + this.#waitUntil(first, at);
          return;
        }
        state.look = false;
      }
      const free = state.slots - state.deliveries.size;
      const leases = await this.#claim(state.lane, free);
      for (const lease of leases) {
        const delivery = this.#deliver(lease, handler);
        state.deliveries.add(delivery);
        void delivery.done.then(() => {
          state.deliveries.delete(delivery);
          if (state.capWait > 0) state.capWait--;
          // A finished message may unblock the next one with its ordering
          // key, or its host's next delivery: look again.
          this.#announceWork(state.only, false);
        });
      }
      if (leases.length === free) continue;
      // Fewer than asked. With hosts capped, some may have been left out
      // only because a host reached its cap within this batch: look once
      // more (a read first, then a claim if a message is due). Otherwise the
      // claim took every message it could, and the lane has nothing
      // claimable until work is announced or comes due (a message blocked
      // by its ordering key is unblocked by a finished one).
      const capped = state.lane === "outbox" && this.#hostConcurrency !== null;
      if (leases.length > 0 && capped) {
        state.look = true;
        continue;
      }
      // Deliveries in flight and nothing else claimable: hosts at their cap.
      if (leases.length === 0 && capped && state.deliveries.size > 0) {
        state.capWait = Math.min(state.batch, state.deliveries.size);
      }
      const at = Date.now();
      const wait = this.#waitUntil(await nextDue(this.#db, this.#dialect, this.#queue, state.lane, at), at);
      // Work announced while the claim ran (an enqueue committed just
      // after it looked, a delivery finished) may be claimable: the lane
      // stays awake, or that work would wait for the next poll.
      if (state.announced === announced) {
        state.idleUntil = at + wait;
        state.look = true;
      }
      return;
    }
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

  /** Leases up to `limit` claimable messages of `lane`, oldest first. */
  async #claim(lane: Lane, limit: number): Promise<Lease[]> {
    const token = randomUUID();
    const rows = await claimMessages(this.#db, this.#dialect, {
      queue: this.#queue, lane, limit, token, now: Date.now(), leaseMs: this.#leaseMs, hostConcurrency: this.#hostConcurrency,
    });
    const leases = rows.map((row) => ({ ...row, token, queue: this.#queue })).sort((a, b) => a.seq - b.seq);
    // Past maxAttempts only if earlier deliveries never reported back: the
    // handler keeps crashing or hanging its process, so stop delivering it.
    // (Conditional on the token, so this may run apart from the claim.)
    await buryUnacknowledged(this.#db, token, leases.filter((lease) => lease.attempts > this.#maxAttempts));
    return leases.filter((lease) => lease.attempts <= this.#maxAttempts);
  }

  #deliver(lease: Lease, handler: Handler): Delivery {
    let abandoned = false;
    const heartbeat = setInterval(() => void renew(this.#db, lease, this.#leaseMs), this.#leaseMs / 3);
    const done = (async () => {
      let failure: { error: unknown } | undefined;
      try {
        await withTimeout(handling.run(lease, async () => handler(JSON.parse(lease.payload))), this.#handlerTimeoutMs);
      } catch (error) {
        failure = { error };
      }
      clearInterval(heartbeat);
      if (abandoned) return;
      if (failure === undefined) await this.#acks.add(lease);
      else await reschedule(this.#db, lease, failure.error, { maxAttempts: this.#maxAttempts, backoff: this.#backoff });
      this.#vacuum?.settled(1);
    })().catch((error) => {
      // The lease will expire and the message be delivered again.
      logger.error("Settling message {id} in queue {queue} failed: {error}", { id: lease.id, queue: this.#queue, error });
    });
    const abandon = async () => {
      abandoned = true;
      clearInterval(heartbeat);
      if (await release(this.#db, lease)) this.#announceWork();
    };
    return { done, abandon };
  }

  /** Waits up to drainTimeoutMs for in-flight deliveries, then abandons the rest. */
  async #drain(deliveries: Set<Delivery>): Promise<void> {
    if (deliveries.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.#drainTimeoutMs); });
    await Promise.race([Promise.all([...deliveries].map((delivery) => delivery.done)), timeout]);
    clearTimeout(timer);
    await Promise.all([...deliveries].map((delivery) => delivery.abandon()));
  }

  /** How long an idle lane should wait, at `now`, for a message due at `due` (null: none): at most a poll interval. */
  #waitUntil(due: number | null, now: number): number {
    return due === null ? this.#pollIntervalMs : Math.max(0, Math.min(this.#pollIntervalMs, due - now));
  }

  /** Wakes this process's listeners of the queue: for the given lanes, or all of them (see WorkNews). */
  #announceWork(lanes: ReadonlySet<Lane> | null = null, certain = true): void {
    this.#board.dispatchEvent(new CustomEvent<WorkNews>(this.#queue, { detail: { lanes, certain } }));
  }

  /**
   * New work (queued, or made due again by an operator): for this thread's
   * listeners, and through `announce` (on SQLite, src/db/queue-wake.ts) for
   * the other threads' and processes'; on PostgreSQL the enqueue sent its
   * NOTIFY itself. (A message released by a listener that stops is taken
   * by this process's listeners, or others' at their next poll.)
   */
  #announceNew(lanes: ReadonlySet<Lane> | null = null): void {
    this.#announceWork(lanes);
    this.#announce?.(this.#queue, lanes ?? LANES);
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
