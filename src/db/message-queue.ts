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
// of one turn are one DELETE per claim (src/db/coalescer.ts).
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { MessageQueue, MessageQueueDepth, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { type Kysely, sql } from "kysely";
import { Coalescer } from "./coalescer.ts";
import type { Dialect } from "./database.ts";
import { QueueVacuum } from "./queue-vacuum.ts";
import { claimMessages, inLane, type Lane, laneOf, LANES } from "./queue-claim.ts";
import { notifyPayload, QUEUE_CHANNEL, type WakeSource } from "./queue-wake.ts";
import {
  type DeadLetter, deadLetters, type HostQueueStats, hostStats, type KindStats, kindStats, queueStats, type QueueStats,
} from "./queue-inspection.ts";
import { isDatabaseUnavailable } from "./faults.ts";
import type { Database } from "./schema.ts";

export type { DeadLetter, HostQueueStats, KindStats, QueueStats } from "./queue-inspection.ts";

const logger = getLogger(["praxis", "db", "queue"]);

/** Rows per INSERT statement, well within both dialects' bound-parameter limits. */
const INSERT_CHUNK_SIZE = 1000;
const LAST_ERROR_MAX_LENGTH = 4000;

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
  /**
   * PostgreSQL: listeners vacuum and analyse the table after this many
   * messages settled (src/db/queue-vacuum.ts; default 1,000; 0: never).
   * Ignored on SQLite.
   */
  vacuumEvery?: number;
}

/** What the queue records of a message besides its payload. */
export function describeMessage(message: unknown): { kind: string | null; host: string | null } {
  if (typeof message !== "object" || message === null) return { kind: null, host: null };
  const m = message as { type?: unknown; inbox?: unknown };
  const kind = typeof m.type === "string" ? m.type : null;
  let host: string | null = null;
  if (kind === "outbox" && typeof m.inbox === "string") {
    try {
      host = new URL(m.inbox).host;
    } catch {
      host = null;
    }
  }
  return { kind, host };
}

interface Lease {
  id: string;
  token: string;
  payload: string;
  /** Deliveries so far, this one included. */
  attempts: number;
  queue: string;
  ordering_key: string | null;
  seq: number;
}

/** A message waiting to be written by the enqueue batch. */
interface PendingMessage {
  payload: string;
  kind: string | null;
  host: string | null;
  orderingKey: string | null;
  availableAt: number;
  createdAt: number;
  /** The seq of the message its own handler re-enqueues, else null (a new place). */
  inheritedSeq: number | null;
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

/** Tells local listeners that a queue may have claimable messages (event type: the queue name; detail: the lanes). */
const workAvailable = new EventTarget();

/** Per lane of a listener: its slots and what it has in flight. */
interface LaneState {
  lane: Lane;
  slots: number;
  /** Free slots below which the lane waits for more before claiming (unless nothing is in flight). */
  batch: number;
  deliveries: Set<Delivery>;
  /** The lane came back short: claim again only once work is announced or this time has come. */
  idleUntil: number;
  /** Announcements of work for the lane so far: one that comes while a claim is under way is not lost. */
  announced: number;
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
  readonly #enqueues: Coalescer<PendingMessage>;
  readonly #acks: Coalescer<Lease>;
  readonly #vacuum: QueueVacuum | null;

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
    this.#enqueues = new Coalescer((messages) => this.#insert(messages));
    this.#acks = new Coalescer((leases) => this.#acknowledgeAll(leases));
    const vacuumEvery = options.vacuumEvery ?? 1_000;
    this.#vacuum = this.#dialect === "postgres" && vacuumEvery > 0 ? new QueueVacuum(db, vacuumEvery) : null;
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
   * on SQLite atomically per INSERT_CHUNK_SIZE messages. Resolves once the
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
      pending = messages.map((message) => {
        const { kind, host } = describeMessage(message);
        return { payload: serialize(message), kind, host, orderingKey, availableAt: now + delayMs, createdAt: now, inheritedSeq };
      });
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
      pending = entries.map(({ message, orderingKey }) => {
        const { kind, host } = describeMessage(message);
        return { payload: serialize(message), kind, host, orderingKey: orderingKey ?? null, availableAt: now, createdAt: now, inheritedSeq: null };
      });
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
    if (Number(result.numUpdatedRows) === 0) this.#warnLeaseLost(lease);
  }

  /** Writes one batch of enqueued messages, in order. */
  async #insert(messages: PendingMessage[]): Promise<void> {
    const lanes = new Set(messages.map((m) => laneOf(m.kind)));
    // What the NOTIFY tells listeners in other processes: this queue, and the lanes of its messages.
    const payload = notifyPayload(this.#queue, lanes);
    if (this.#dialect === "postgres" && messages.length <= INSERT_CHUNK_SIZE) {
      // One statement, one round trip (no BEGIN and COMMIT around it): the
      // insert, and the NOTIFY that listeners in other processes hear at its
      // commit. A data-modifying WITH runs whole whatever the outer query reads.
      await this.#db.with("inserted", (db) => db.insertInto("fedify_message").values(this.#rows(messages)).returning("id"))
        .selectFrom("inserted").select(sql`pg_notify(${QUEUE_CHANNEL}, ${payload})`.as("notified")).limit(1)
        .execute();
    } else {
      await this.#inTransaction(async (db) => {
        for (let start = 0; start < messages.length; start += INSERT_CHUNK_SIZE) {
          await db.insertInto("fedify_message").values(this.#rows(messages.slice(start, start + INSERT_CHUNK_SIZE))).execute();
        }
        // Listeners in other processes hear of it at commit.
        if (this.#dialect === "postgres") await sql`select pg_notify(${QUEUE_CHANNEL}, ${payload})`.execute(db);
      });
    }
    this.#announceWork(lanes);
  }

  /**
   * The rows of a chunk of messages, numbered in order: on SQLite from the
   * table's MAX(seq), on PostgreSQL by its sequence (an index scan per row
   * there, through the dead entries a churned queue leaves at the index's end).
   */
  #rows(messages: PendingMessage[]) {
    const postgres = this.#dialect === "postgres";
    return messages.map((m, i) => ({
      id: randomUUID(),
      queue: this.#queue,
      payload: m.payload,
      kind: m.kind,
      host: m.host,
      ordering_key: m.orderingKey,
      available_at: m.availableAt,
      created_at: m.createdAt,
      // SQLite: the statement's own snapshot of MAX(seq), read before any row is inserted.
      seq: m.inheritedSeq ?? (postgres ? sql<number>`nextval('praxis_message_seq')` : sql<number>`(select coalesce(max(seq), 0) from fedify_message) + ${i + 1}`),
    }));
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
      slots: this.#slots[lane],
      // Incoming activities keep the CPU busy (a few in flight are enough),
      // and each claim is one write: they are claimed half their slots at a time.
      batch: Math.max(1, Math.floor(this.#slots[lane] / (lane === "inbox" ? 2 : 4))),
      deliveries: new Set(),
      idleUntil: 0,
      announced: 0,
      capWait: 0,
    }));
    const onWork = (event: Event) => {
      const announced = (event as CustomEvent<ReadonlySet<Lane> | null>).detail;
      for (const state of lanes) {
        if (announced != null && !announced.has(state.lane)) continue;
        state.idleUntil = 0;
        state.announced++;
      }
      alarm.ring();
    };
    const ring = () => alarm.ring();
    workAvailable.addEventListener(this.#queue, onWork);
    signal?.addEventListener("abort", ring);
    // Another process may have enqueued: the lanes it names look again (every
    // lane if it names none, or one this version does not know).
    const unsubscribe = this.#wake?.((named) => {
      const woken = named !== null && [...named].every((lane) => (LANES as readonly string[]).includes(lane)) ? named : null;
      for (const state of lanes) {
        if (woken !== null && !woken.has(state.lane)) continue;
        state.idleUntil = 0;
        state.announced++;
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
      workAvailable.removeEventListener(this.#queue, onWork);
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
      const free = state.slots - state.deliveries.size;
      const announced = state.announced;
      const leases = await this.#claim(state.lane, free);
      for (const lease of leases) {
        const delivery = this.#deliver(lease, handler);
        state.deliveries.add(delivery);
        void delivery.done.then(() => {
          state.deliveries.delete(delivery);
          if (state.capWait > 0) state.capWait--;
          // A finished message may unblock the next one with its ordering
          // key, or its host's next delivery: look again.
          this.#announceWork(new Set([state.lane]));
        });
      }
      if (leases.length === free) continue;
      // Fewer than asked although some were claimable (a host reached its
      // cap within this batch): look once more; an empty claim means the
      // lane has nothing claimable until work is announced or comes due.
      if (leases.length === 0) {
        // Deliveries in flight and nothing else claimable: hosts at their cap.
        if (state.lane === "outbox" && this.#hostConcurrency !== null && state.deliveries.size > 0) {
          state.capWait = Math.min(state.batch, state.deliveries.size);
        }
        const wait = await this.#msUntilNextDue(state.lane);
        // Work announced while the claim ran (an enqueue committed just
        // after it looked, a delivery finished) may be claimable: the lane
        // stays awake, or that work would wait for the next poll.
        if (state.announced === announced) state.idleUntil = now + wait;
        return;
      }
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
    const result = await this.#db.updateTable("fedify_message")
      .set({ dead: 0, attempts: 0, available_at: Date.now() })
      .where("queue", "=", this.#queue).where("dead", "=", 1)
      .$if(id !== undefined, (qb) => qb.where("id", "=", id!))
      .executeTakeFirst();
    this.#announceWork();
    return Number(result.numUpdatedRows);
  }

  /** Deletes every dead letter of this queue; returns how many. */
  async purgeDead(): Promise<number> {
    const result = await this.#db.deleteFrom("fedify_message")
      .where("queue", "=", this.#queue).where("dead", "=", 1)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Makes the delayed messages (retries, held deliveries) due now: those for
   * `host` only, or all of them. Ordering keys still apply. Returns how many.
   *
   * A delivery being handled at that moment may be re-enqueued by its handler
   * for later (Fedify holds it while the host's circuit is open, as it read it
   * before the retry): this waits, up to `settleMs`, for the deliveries leased
   * now to finish and makes what they re-enqueued due too.
   */
  async retryNow(options: { host?: string; settleMs?: number } = {}): Promise<number> {
    const host = options.host;
    const makeDue = async () => {
      const now = Date.now();
      const result = await this.#db.updateTable("fedify_message")
        .set({ available_at: now })
        .where("queue", "=", this.#queue).where("dead", "=", 0).where("available_at", ">", now)
        .$if(host !== undefined, (qb) => qb.where("host", "=", host!))
        .executeTakeFirst();
      this.#announceWork();
      return Number(result.numUpdatedRows);
    };
    const leasedNow = () => this.#db.selectFrom("fedify_message").select("id")
      .where("queue", "=", this.#queue).where("dead", "=", 0)
      .where("lease_token", "is not", null).where("locked_until", ">", Date.now())
      .$if(host !== undefined, (qb) => qb.where("host", "=", host!));
    const made = await makeDue();
    const leased = (await leasedNow().execute()).map((row) => row.id);
    if (leased.length === 0) return made;
    const deadline = Date.now() + (options.settleMs ?? 5_000);
    while (Date.now() < deadline) {
      const still = await leasedNow().where("id", "in", leased).execute();
      if (still.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return made + await makeDue();
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
    const lost = leases.filter((lease) => lease.attempts > this.#maxAttempts);
    if (lost.length > 0) {
      await this.#db.updateTable("fedify_message")
        .set((eb) => ({
          dead: 1,
          attempts: eb("attempts", "-", 1),
          lease_token: null,
          locked_until: null,
          last_error: "Lease expired without acknowledgement: the listener crashed or stalled while handling it",
        }))
        .where("id", "in", lost.map((lease) => lease.id)).where("lease_token", "=", token)
        .execute();
      for (const lease of lost) {
        logger.error("Message {id} in queue {queue} dead-lettered after {attempts} unacknowledged deliveries",
          { id: lease.id, queue: this.#queue, attempts: lease.attempts - 1 });
      }
    }
    return leases.filter((lease) => lease.attempts <= this.#maxAttempts);
  }

  #deliver(lease: Lease, handler: Handler): Delivery {
    let abandoned = false;
    const heartbeat = setInterval(() => void this.#renew(lease), this.#leaseMs / 3);
    const done = (async () => {
      let failure: { error: unknown } | undefined;
      try {
        await withTimeout(handling.run(lease, async () => handler(JSON.parse(lease.payload))), this.#handlerTimeoutMs);
      } catch (error) {
        failure = { error };
      }
      clearInterval(heartbeat);
      if (abandoned) return;
      if (failure === undefined) await this.#acknowledge(lease);
      else await this.#reschedule(lease, failure.error);
      this.#vacuum?.settled(1);
    })().catch((error) => {
      // The lease will expire and the message be delivered again.
      logger.error("Settling message {id} in queue {queue} failed: {error}", { id: lease.id, queue: this.#queue, error });
    });
    const abandon = async () => {
      abandoned = true;
      clearInterval(heartbeat);
      await this.#release(lease);
    };
    return { done, abandon };
  }

  #acknowledge(lease: Lease): Promise<void> {
    return this.#acks.add(lease);
  }

  /** Deletes the acknowledged messages of one turn, one statement per claim (its lease token). */
  async #acknowledgeAll(leases: Lease[]): Promise<void> {
    const byToken = new Map<string, Lease[]>();
    for (const lease of leases) byToken.set(lease.token, [...(byToken.get(lease.token) ?? []), lease]);
    for (const [token, group] of byToken) {
      for (let start = 0; start < group.length; start += INSERT_CHUNK_SIZE) {
        const chunk = group.slice(start, start + INSERT_CHUNK_SIZE);
        const result = await this.#db.deleteFrom("fedify_message")
          .where("lease_token", "=", token).where("id", "in", chunk.map((lease) => lease.id))
          .executeTakeFirst();
        if (Number(result.numDeletedRows) < chunk.length) {
          logger.warn("Lost the lease of {n} message(s) in queue {queue}; they may be handled twice",
            { n: chunk.length - Number(result.numDeletedRows), queue: this.#queue });
        }
      }
    }
  }

  async #reschedule(lease: Lease, error: unknown): Promise<void> {
    // A handler that failed because the database was unavailable (locked by
    // another process past the retry bound, PostgreSQL down) did nothing
    // wrong: it is retried without spending an attempt, never dead-lettered.
    const unavailable = isDatabaseUnavailable(error);
    const dead = !unavailable && lease.attempts >= this.#maxAttempts;
    const result = await this.#db.updateTable("fedify_message")
      .set((eb) => ({
        lease_token: null,
        locked_until: null,
        last_error: describeError(error),
        dead: dead ? 1 : 0,
        ...(unavailable ? { attempts: eb("attempts", "-", 1) } : {}),
        ...(dead ? {} : { available_at: Date.now() + this.#backoff(unavailable ? 1 : lease.attempts) }),
      }))
      .where("id", "=", lease.id).where("lease_token", "=", lease.token)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return this.#warnLeaseLost(lease);
    const properties = { id: lease.id, queue: this.#queue, attempts: lease.attempts, error };
    if (unavailable) logger.warn("Message {id} in queue {queue} met an unavailable database, will retry: {error}", properties);
    else if (dead) logger.error("Message {id} in queue {queue} dead-lettered after {attempts} failed attempts: {error}", properties);
    else logger.warn("Message {id} in queue {queue} failed (attempt {attempts}), will retry: {error}", properties);
  }

  /** Hands an unfinished message back; the aborted delivery does not count as an attempt. */
  async #release(lease: Lease): Promise<void> {
    try {
      await this.#db.updateTable("fedify_message")
        .set((eb) => ({ lease_token: null, locked_until: null, attempts: eb("attempts", "-", 1) }))
        .where("id", "=", lease.id).where("lease_token", "=", lease.token)
        .execute();
      this.#announceWork();
    } catch (error) {
      logger.warn("Releasing message {id} in queue {queue} failed; it is redelivered once its lease expires: {error}",
        { id: lease.id, queue: this.#queue, error });
    }
  }

  async #renew(lease: Lease): Promise<void> {
    try {
      const result = await this.#db.updateTable("fedify_message")
        .set({ locked_until: Date.now() + this.#leaseMs })
        .where("id", "=", lease.id).where("lease_token", "=", lease.token)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) this.#warnLeaseLost(lease);
    } catch (error) {
      logger.warn("Renewing the lease of message {id} in queue {queue} failed: {error}", { id: lease.id, queue: this.#queue, error });
    }
  }

  #warnLeaseLost(lease: Lease): void {
    logger.warn("Lost the lease of message {id} in queue {queue}; it may be handled twice", { id: lease.id, queue: this.#queue });
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

  /** How long an idle lane should wait: until its next delayed message is due, at most a poll interval. */
  async #msUntilNextDue(lane: Lane): Promise<number> {
    const now = Date.now();
    const { next } = await this.#db.selectFrom("fedify_message")
      .select((eb) => eb.fn.min("available_at").as("next"))
      .where("queue", "=", this.#queue)
      .where(inLane(lane, "kind"))
      .where("dead", "=", 0).where("available_at", ">", now)
      .executeTakeFirstOrThrow();
    return next === null ? this.#pollIntervalMs : Math.min(this.#pollIntervalMs, Number(next) - now);
  }

  /**
   * Runs `work` in a transaction on PostgreSQL, and statement by statement on
   * SQLite. better-sqlite3 waits for a lock by blocking the thread, so a
   * SQLite transaction held open across awaits would stall any other
   * connection in the same process until its busy timeout fails it. Each
   * SQLite statement issued here is atomic on its own instead: a write
   * statement takes the database write lock before it reads anything.
   */
  async #inTransaction<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.#dialect === "postgres" ? this.#db.transaction().execute(work) : work(this.#db);
  }

  /** Wakes this process's listeners of the queue: for the given lanes, or all of them. */
  #announceWork(lanes?: ReadonlySet<Lane>): void {
    workAvailable.dispatchEvent(new CustomEvent(this.#queue, { detail: lanes }));
  }
}

/** A sleep that `ring()` cuts short; a ring while awake makes the next sleep return at once. */
class Alarm {
  #rang = false;
  #wake: (() => void) | undefined;

  ring(): void {
    this.#rang = true;
    this.#wake?.();
  }

  /** Forgets earlier rings, before a look at the queue that sees what they announced. */
  reset(): void {
    this.#rang = false;
  }

  sleep(ms: number): Promise<void> {
    if (this.#rang) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wake = wake;
    });
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Handler timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  return text.slice(0, LAST_ERROR_MAX_LENGTH);
}

function serialize(message: unknown): string {
  const json = JSON.stringify(message);
  if (json === undefined) throw new TypeError("A queued message must be JSON-serialisable");
  return json;
}
