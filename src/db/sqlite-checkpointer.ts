// Checkpoints of a SQLite database's write-ahead log, run on a thread of
// their own. By default SQLite checkpoints inside whichever commit pushes the
// log past 1,000 pages: that commit copies the log into the database file
// and syncs it, on the event loop, every few dozen writes — about a fifth of
// the time the worker spends in SQLite while it relays a burst of posts.
//
// Here a worker thread, with its own connection, runs a PASSIVE checkpoint
// (it never blocks a reader or a writer, and copies what no reader still
// needs) every CHECKPOINT_MS, and the server's writer checkpoints by itself
// only when the log passes FALLBACK_PAGES (the thread stalled or died), so
// that the log stays bounded whatever happens to the thread.
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import SQLite from "better-sqlite3";

const CHECKPOINT_MS = 1_000;
/** How long `stop` waits for the thread to end by itself. */
const STOP_WAIT_MS = 2_000;
/** The writer's own checkpoint threshold (wal_autocheckpoint, in pages) while the thread runs. */
export const FALLBACK_PAGES = 20_000;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts checkpointing the database at `path` on a thread (unreferenced: it never keeps the process alive). */
export function startCheckpointer(path: string): Checkpointer {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { path } });
  worker.unref();
  // A thread that fails leaves checkpoints to the writer's fallback.
  worker.on("error", () => {});
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    async stop() {
      // The thread reads the message once it has started, closes its
      // connection and ends by itself; it is terminated only if it has not
      // within STOP_WAIT_MS. Terminated while it loads SQLite's addon, a
      // thread takes the process down (a fatal error in Node-API).
      worker.postMessage("stop");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), STOP_WAIT_MS); });
      if (await Promise.race([exited.then(() => false), late])) await worker.terminate().catch(() => {});
      clearTimeout(timer);
    },
  };
}

if (!isMainThread && parentPort && (workerData as { path?: string } | null)?.path) {
  const db = new SQLite((workerData as { path: string }).path);
  db.pragma("busy_timeout = 1000");
  const timer = setInterval(() => {
    try {
      db.pragma("wal_checkpoint(PASSIVE)");
    } catch {
      // Busy or closing: the next round (or the writer's fallback) catches up.
    }
  }, CHECKPOINT_MS);
  parentPort.on("message", (message) => {
    if (message !== "stop") return;
    clearInterval(timer);
    db.close();
    parentPort?.close();
  });
}
