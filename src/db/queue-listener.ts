// A listener of the message queue (src/db/message-queue.ts): each `listen()`
// call runs one. Per lane it claims in batches as its slots free up, runs
// each handler under a lease that a heartbeat renews, acknowledges or
// reschedules what finished, sleeps until news of work, a slot or its poll,
// and on abort drains what is in flight and releases the rest. How a lane
// decides to claim, read or wait is described at LaneState below; news of
// work reaches the listeners of a queue on its board (boardOf).
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { MessageQueueListenOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { Kysely } from "kysely";
import type { Coalescer } from "./coalescer.ts";
import type { Dialect } from "./database.ts";
import { isDatabaseUnavailable } from "./faults.ts";
import { claimMessages, firstUnleased, type Lane, LANES, nextDue } from "./queue-claim.ts";
import { buryUnacknowledged, type Lease, release, renew, reschedule } from "./queue-settle.ts";
import { Alarm, withTimeout } from "./queue-timing.ts";
import type { QueueVacuum } from "./queue-vacuum.ts";
import type { WakeSource } from "./queue-wake.ts";
import type { Database } from "./schema.ts";

const logger = getLogger(["praxis", "db", "queue"]);

/** A queue's settings as its listeners use them (resolved from KyselyMessageQueueOptions). */
export interface ListenerSettings {
  db: Kysely<Database>;
  dialect: Dialect;
  queue: string;
  slots: Record<Lane, number>;
  leaseMs: number;
  pollIntervalMs: number;
  maxAttempts: number;
  handlerTimeoutMs: number;
  drainTimeoutMs: number;
  backoff: (attempt: number) => number;
  hostConcurrency: number | null;
  wake: WakeSource | undefined;
  /** The queue's acknowledgements, written a turn at a time. */
  acks: Coalescer<Lease>;
  vacuum: QueueVacuum | null;
  /** Where this process's listeners of the queue hear of work (boardOf). */
  board: EventTarget;
}

/** The message whose handler is running in the current async context. */
export const handling = new AsyncLocalStorage<Lease>();

interface Delivery {
  /** Settles once the message is acknowledged, rescheduled or abandoned; never rejects. */
  done: Promise<void>;
  /** Stops renewing the lease and hands the message back for immediate redelivery. */
  abandon(): Promise<void>;
}

export type Handler = (message: any) => Promise<void> | void;

/**
 * News for this process's listeners of a queue (event type: the queue name):
 * `lanes` may have claimable messages (null: every lane). `certain` when
 * messages were just written there (enqueued, retried, released); otherwise
 * (a message of the lane finished, which may unblock the next with its
 * ordering key or its host) an idle lane looks before it claims.
 */
export interface WorkNews {
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

export function boardOf(db: Kysely<Database>): EventTarget {
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

/** Wakes this process's listeners of `queue`: for the given lanes, or all of them (see WorkNews). */
export function announceWork(board: EventTarget, queue: string, lanes: ReadonlySet<Lane> | null = null, certain = true): void {
  board.dispatchEvent(new CustomEvent<WorkNews>(queue, { detail: { lanes, certain } }));
}

export class QueueListener {
  readonly #s: ListenerSettings;

  constructor(settings: ListenerSettings) {
    this.#s = settings;
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
      slots: this.#s.slots[lane],
      // Incoming activities keep the CPU busy (a few in flight are enough),
      // and each claim is one write: they are claimed half their slots at a time.
      batch: Math.max(1, Math.floor(this.#s.slots[lane] / (lane === "inbox" ? 2 : 4))),
      deliveries: new Set(),
      idleUntil: 0,
      announced: 0,
      look: false,
      capWait: 0,
    }));
    /** Wakes the lanes named (null: all); `certain` news of work spares them the look before their claim. */
    const wakeLanes = (named: ReadonlySet<string> | null, certain: boolean) => {
      for (const state of lanes) {
        if (named !== null && !named.has(state.lane)) continue;
        state.idleUntil = 0;
        state.announced++;
        if (certain) state.look = false;
      }
      alarm.ring();
    };
    const onWork = (event: Event) => {
      const news = (event as CustomEvent<WorkNews>).detail;
      wakeLanes(news.lanes, news.certain);
    };
    const ring = () => alarm.ring();
    this.#s.board.addEventListener(this.#s.queue, onWork);
    signal?.addEventListener("abort", ring);
    // Another thread or process may have enqueued: the lanes it names look
    // again (every lane if it names none, or one this version does not know).
    // A NOTIFY or a thread's message names the lanes its messages went to,
    // which is certain news; SQLite's signal file names none.
    const unsubscribe = this.#s.wake?.((named) => {
      const woken = named !== null && [...named].every((lane) => (LANES as readonly string[]).includes(lane)) ? named : null;
      wakeLanes(woken, woken !== null);
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
            if (isDatabaseUnavailable(error)) logger.warn("Polling queue {queue} failed, will retry: {error}", { queue: this.#s.queue, error });
            else logger.error("Polling queue {queue} failed: {error}", { queue: this.#s.queue, error });
            state.idleUntil = Date.now() + this.#s.pollIntervalMs;
          }
          if (signal?.aborted) break;
        }
        // Sleep until a lane may claim again: work announced here (an
        // enqueue, a finished delivery), its poll time (work from other
        // processes, delayed messages coming due), or a slot freeing up.
        const wake = Math.min(...lanes.map((state) => (this.#waitsForSlots(state) ? Infinity : state.idleUntil)));
        const sleepMs = Math.max(0, Math.min(this.#s.pollIntervalMs, wake - Date.now()));
        if (sleepMs > 0) await alarm.sleep(sleepMs);
      }
    } finally {
      this.#s.board.removeEventListener(this.#s.queue, onWork);
      signal?.removeEventListener("abort", ring);
      unsubscribe?.();
    }
    await this.#drain(new Set(lanes.flatMap((state) => [...state.deliveries])));
    await this.#s.vacuum?.idle(this.#s.drainTimeoutMs);
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
        const first = await firstUnleased(this.#s.db, this.#s.dialect, this.#s.queue, state.lane, at);
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
          announceWork(this.#s.board, this.#s.queue, state.only, false);
        });
      }
      if (leases.length === free) continue;
      // Fewer than asked. With hosts capped, some may have been left out
      // only because a host reached its cap within this batch: look once
      // more (a read first, then a claim if a message is due). Otherwise the
      // claim took every message it could, and the lane has nothing
      // claimable until work is announced or comes due (a message blocked
      // by its ordering key is unblocked by a finished one).
      const capped = state.lane === "outbox" && this.#s.hostConcurrency !== null;
      if (leases.length > 0 && capped) {
        state.look = true;
        continue;
      }
      // Deliveries in flight and nothing else claimable: hosts at their cap.
      if (leases.length === 0 && capped && state.deliveries.size > 0) {
        state.capWait = Math.min(state.batch, state.deliveries.size);
      }
      const at = Date.now();
      const wait = this.#waitUntil(await nextDue(this.#s.db, this.#s.dialect, this.#s.queue, state.lane, at), at);
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

  /** Leases up to `limit` claimable messages of `lane`, oldest first. */
  async #claim(lane: Lane, limit: number): Promise<Lease[]> {
    const token = randomUUID();
    const rows = await claimMessages(this.#s.db, this.#s.dialect, {
      queue: this.#s.queue, lane, limit, token, now: Date.now(), leaseMs: this.#s.leaseMs, hostConcurrency: this.#s.hostConcurrency,
    });
    const leases = rows.map((row) => ({ ...row, token, queue: this.#s.queue })).sort((a, b) => a.seq - b.seq);
    // Past maxAttempts only if earlier deliveries never reported back: the
    // handler keeps crashing or hanging its process, so stop delivering it.
    // (Conditional on the token, so this may run apart from the claim.)
    await buryUnacknowledged(this.#s.db, token, leases.filter((lease) => lease.attempts > this.#s.maxAttempts));
    return leases.filter((lease) => lease.attempts <= this.#s.maxAttempts);
  }

  #deliver(lease: Lease, handler: Handler): Delivery {
    let abandoned = false;
    const heartbeat = setInterval(() => void renew(this.#s.db, lease, this.#s.leaseMs), this.#s.leaseMs / 3);
    const done = (async () => {
      let failure: { error: unknown } | undefined;
      try {
        await withTimeout(handling.run(lease, async () => handler(JSON.parse(lease.payload))), this.#s.handlerTimeoutMs);
      } catch (error) {
        failure = { error };
      }
      clearInterval(heartbeat);
      if (abandoned) return;
      if (failure === undefined) await this.#s.acks.add(lease);
      else await reschedule(this.#s.db, lease, failure.error, { maxAttempts: this.#s.maxAttempts, backoff: this.#s.backoff });
      this.#s.vacuum?.settled(1);
    })().catch((error) => {
      // The lease will expire and the message be delivered again.
      logger.error("Settling message {id} in queue {queue} failed: {error}", { id: lease.id, queue: this.#s.queue, error });
    });
    const abandon = async () => {
      abandoned = true;
      clearInterval(heartbeat);
      if (await release(this.#s.db, lease)) announceWork(this.#s.board, this.#s.queue);
    };
    return { done, abandon };
  }

  /** Waits up to drainTimeoutMs for in-flight deliveries, then abandons the rest. */
  async #drain(deliveries: Set<Delivery>): Promise<void> {
    if (deliveries.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.#s.drainTimeoutMs); });
    await Promise.race([Promise.all([...deliveries].map((delivery) => delivery.done)), timeout]);
    clearTimeout(timer);
    await Promise.all([...deliveries].map((delivery) => delivery.abandon()));
  }

  /** How long an idle lane should wait, at `now`, for a message due at `due` (null: none): at most a poll interval. */
  #waitUntil(due: number | null, now: number): number {
    return due === null ? this.#s.pollIntervalMs : Math.max(0, Math.min(this.#s.pollIntervalMs, due - now));
  }
}
