// Waking a queue listener when another thread or process enqueues (the
// CLI, a web process in front of a worker, `npm start`'s web thread in front
// of its worker thread), instead of waiting for its next poll:
//
// - SQLite (sqliteWake): every enqueue touches a file beside the database
//   (`praxis.sqlite-queue`), watched through its directory by listeners in
//   other processes; between the threads of one process, a
//   BroadcastChannel also says which lanes were queued to;
// - PostgreSQL: enqueues send NOTIFY on a channel, and listeners hold one
//   connection that LISTENs to it (reconnecting with backoff).
//
// A wake-up only makes the listener look at the queue at once; polling goes
// on as before, so a missed notification costs a poll interval, never a
// message. A NOTIFY's payload and a thread's message also name the lanes
// their messages went to ("<queue>\n<lane>,<lane>"), so that a burst of
// inbox activities from a web process wakes a worker's inbox lane alone:
// each claim of an empty lane costs the database a statement to plan and
// run. The file names none: every lane looks.
import { closeSync, type FSWatcher, openSync, utimesSync, watch } from "node:fs";
import path from "node:path";
import { BroadcastChannel, threadId } from "node:worker_threads";
import { getLogger } from "@logtape/logtape";
import pg from "pg";

const logger = getLogger(["praxis", "db", "queue"]);

/** The NOTIFY channel of the queue on PostgreSQL. */
export const QUEUE_CHANNEL = "praxis_queue";

/** Lanes with new work, or null when they are not known (every lane looks). */
export type WokenLanes = ReadonlySet<string> | null;

/** Subscribes `onWake`; returns the unsubscribe function. */
export type WakeSource = (onWake: (lanes: WokenLanes) => void) => () => void;

/** The payload of an enqueue's NOTIFY: the queue, then the lanes of its messages. */
export function notifyPayload(queue: string, lanes: Iterable<string>): string {
  return `${queue}\n${[...new Set(lanes)].join(",")}`;
}

/** The lanes a NOTIFY's payload names; null for a payload without them (every lane looks). */
export function lanesOfPayload(payload: string | undefined): WokenLanes {
  const newline = payload?.indexOf("\n") ?? -1;
  if (payload === undefined || newline < 0) return null;
  return new Set(payload.slice(newline + 1).split(",").filter((lane) => lane !== ""));
}

/**
 * At most one wake-up per this many ms, on either backend: the first change
 * wakes the listener at once (a CLI promote is taken without delay), the
 * rest of a burst is one more look at the queue when the interval ends.
 * Without it a burst of another process's enqueues woke the worker once
 * per enqueue, to claim on every lane. A listener that is busy claims
 * again whenever one of its own deliveries finishes, so the interval only
 * bounds how soon an idle lane notices a second batch from another process.
 */
export const WAKE_INTERVAL_MS = 50;

/**
 * `onWake` at once, then at most once per `intervalMs` (a call within the
 * interval is deferred to its end, never lost); a deferred wake-up carries
 * the lanes of every call it stands for (null if any of them had none).
 */
export function throttle(onWake: (lanes: WokenLanes) => void, intervalMs = WAKE_INTERVAL_MS): (lanes?: WokenLanes) => void {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: Set<string> | null = new Set();
  return (lanes = null) => {
    if (timer !== undefined) {
      if (lanes === null) pending = null;
      else if (pending !== null) for (const lane of lanes) pending.add(lane);
      return;
    }
    const wait = last + intervalMs - Date.now();
    if (wait <= 0) {
      last = Date.now();
      onWake(lanes);
      return;
    }
    pending = lanes === null ? null : new Set(lanes);
    timer = setTimeout(() => {
      timer = undefined;
      last = Date.now();
      const woken = pending;
      pending = new Set();
      onWake(woken);
    }, wait);
    timer.unref?.();
  };
}

/** What every process queueing to the SQLite database at `file` touches, and listeners in other processes watch. */
export function queueSignalFile(file: string): string {
  return `${file}-queue`;
}

/**
 * Touches the queue signal of the SQLite database at `file`, creating it
 * (0600, as the database's other files are) if need be; false if it could
 * not (a read-only directory, say).
 */
function touchQueueSignal(file: string): boolean {
  const signal = queueSignalFile(file);
  const now = new Date();
  try {
    utimesSync(signal, now, now);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return false;
  }
  try {
    // Its creation is itself a change the listeners see.
    closeSync(openSync(signal, "a", 0o600));
    return true;
  } catch {
    return false;
  }
}

/**
 * SQLite's NOTIFY: each enqueue touches a file beside the database
 * (queueSignalFile), whose change wakes the listeners of other processes.
 * Watching the write-ahead log instead woke them at every commit: an
 * operation that commits before it queues (a promotion records itself
 * first) woke a worker that found nothing yet, and the throttle then held
 * the commit that queued for the rest of its interval. `changedElsewhere`
 * (PraxisDatabase.changedElsewhere) tells whether another connection
 * committed since it was last asked: this
 * process's own enqueues, which its listeners hear of directly, then wake
 * nobody. It is asked when the throttled wake-up is due, so that another
 * process's enqueue within a burst of our own is never missed.
 */
export function sqliteQueueWake(file: string, changedElsewhere?: () => boolean): WakeSource {
  return (onWake) => {
    if (file === ":memory:") return () => {};
    const wake = throttle(() => {
      if (changedElsewhere === undefined || changedElsewhere()) onWake(null);
    });
    const signal = queueSignalFile(file);
    const name = path.basename(signal);
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(path.dirname(signal), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) wake();
      });
      watcher.on("error", () => watcher?.close());
    } catch (error) {
      logger.debug("Cannot watch {signal} for queue changes; polling only: {error}", { signal, error });
    }
    return () => watcher?.close();
  };
}

/** Wakes on NOTIFY on QUEUE_CHANNEL, from a dedicated connection to `url`. */
export function postgresNotifyWake(url: string): WakeSource {
  return (onWake) => {
    let client: pg.Client | null = null;
    let stopped = false;
    let retryMs = 500;
    // Every enqueue batch of another process sends one NOTIFY.
    const wake = throttle(onWake);
    const schedule = () => {
      if (stopped) return;
      setTimeout(connect, retryMs).unref();
      retryMs = Math.min(retryMs * 2, 30_000);
    };
    const connect = async () => {
      if (stopped) return;
      const c = new pg.Client({ connectionString: url });
      c.on("notification", (message) => wake(lanesOfPayload(message.payload)));
      c.on("error", () => {});
      c.on("end", () => {
        if (client !== c) return;
        client = null;
        schedule();
      });
      try {
        await c.connect();
        await c.query(`listen ${QUEUE_CHANNEL}`);
        if (stopped) return void c.end().catch(() => {});
        client = c;
        retryMs = 500;
        // Whatever was queued while not listening.
        wake();
      } catch (error) {
        logger.debug("Cannot listen for queue notifications; polling only for now: {error}", { error });
        c.end().catch(() => {});
        schedule();
      }
    };
    void connect();
    return () => {
      stopped = true;
      client?.end().catch(() => {});
      client = null;
    };
  };
}

/**
 * Between the threads of one process on SQLite: each enqueue says which
 * lanes it queued to on a BroadcastChannel named after the database, and
 * the listeners of the other threads wake for those lanes at once. A
 * channel never receives its own messages, but a listener's channel of the
 * announcing thread would hear that thread's announcements, which its
 * listeners heard of directly: each says which thread it comes from.
 */
export interface QueueAnnouncer {
  /** Tells the listeners of other threads (and processes: sqliteWake) that `queue` has work in `lanes`; nothing once closed. */
  announce(queue: string, lanes: Iterable<string>): void;
  /** The listeners' side. */
  source: WakeSource;
  close(): void;
}

export function sqliteThreadWake(file: string): QueueAnnouncer {
  if (file === ":memory:") return { announce() {}, source: () => () => {}, close() {} };
  const name = `praxis-queue ${path.resolve(file)}`;
  let out: BroadcastChannel | null = null;
  let closed = false;
  return {
    announce(queue, lanes) {
      if (closed) return;
      if (!out) {
        out = new BroadcastChannel(name);
        out.unref();
      }
      out.postMessage({ thread: threadId, payload: notifyPayload(queue, lanes) } satisfies ThreadNews);
    },
    source: (onWake) => {
      const channel = new BroadcastChannel(name);
      channel.unref();
      const wake = throttle(onWake);
      channel.onmessage = (event) => {
        const news = (event as { data?: unknown }).data as Partial<ThreadNews> | undefined;
        if (news?.thread !== threadId) wake(lanesOfPayload(typeof news?.payload === "string" ? news.payload : undefined));
      };
      return () => channel.close();
    },
    close() {
      closed = true;
      out?.close();
      out = null;
    },
  };
}

interface ThreadNews {
  thread: number;
  payload: string;
}

/**
 * What a process on SQLite announces its enqueues with, and hears other
 * threads' and processes' by (src/app.ts). The worker thread of `npm start`
 * hears its web thread's enqueues twice, by the channel (for their lanes)
 * and by the file (for every lane, as it heard every commit through the
 * write-ahead log before): each throttled, so at most one look per lane
 * per interval more; not told apart, so that another process's enqueue at
 * the same moment is never missed. If the file cannot be touched (a
 * read-only directory), this says so once and stops trying: other
 * processes then take this one's work at their next poll.
 */
export function sqliteWake(file: string, changedElsewhere?: () => boolean): QueueAnnouncer {
  const threads = sqliteThreadWake(file);
  let touching = file !== ":memory:";
  return {
    announce(queue, lanes) {
      if (touching && !touchQueueSignal(file)) {
        touching = false;
        logger.warn("Cannot touch {signal}: other processes (the CLI, a worker process) will take what this one queues at their next poll. Make the data directory writable by this user.", { signal: queueSignalFile(file) });
      }
      threads.announce(queue, lanes);
    },
    source: eitherWake(sqliteQueueWake(file, changedElsewhere), threads.source),
    close: () => threads.close(),
  };
}

/** Subscribes to every one of `sources`. */
export function eitherWake(...sources: WakeSource[]): WakeSource {
  return (onWake) => {
    const stops = sources.map((source) => source(onWake));
    return () => { for (const stop of stops) stop(); };
  };
}
