// Role "all" (what `npm start` runs by default) serves HTTP on the main
// thread and processes the queue on a worker thread of its own, with its own
// database connection, at a lower CPU priority (src/worker/priority.ts).
// The two never share an event loop: a burst of deliveries to relay does
// not slow the 202s of the inbox, and answering requests does not stall
// deliveries. It is the web + worker deployment of two processes, in one.
//
// The thread is restarted if it stops by itself (an uncaught error): what
// it held is taken over when its lease ends, as after a crash. It is told
// to stop on shutdown, and releases its in-flight messages first.
import { Worker } from "node:worker_threads";
import { getLogger } from "@logtape/logtape";
import type { ResolvedConfig } from "../config.ts";

const logger = getLogger(["praxis", "worker"]);

export interface WorkerThreadOptions {
  /** The module the thread runs (tests replace it). */
  entry?: URL;
  /** First delay before a restart; it doubles up to 30 s while the thread keeps failing. */
  restartDelayMs?: number;
  /** How long the thread may take to stop before it is terminated. */
  stopTimeoutMs?: number;
}

export interface WorkerThread {
  /** The nice value the thread runs at, or null if it runs at the web server's. */
  readonly nice: number | null;
  /** How many times the thread was restarted after stopping by itself. */
  readonly restarts: number;
  /** The current thread's id (it changes after a restart). */
  readonly threadId: number;
  /** Stops the thread: it releases its in-flight messages, or is terminated after the timeout. */
  stop(): Promise<void>;
}

const MAX_RESTART_DELAY_MS = 30_000;
/** A thread that ran this long before failing restarts after the first delay again. */
const HEALTHY_MS = 60_000;

/** Starts the worker thread; resolves once it is processing the queue, rejects if it cannot start. */
export async function startWorkerThread(config: ResolvedConfig, options: WorkerThreadOptions = {}): Promise<WorkerThread> {
  const entry = options.entry ?? new URL("./thread-entry.ts", import.meta.url);
  const firstDelay = options.restartDelayMs ?? 1_000;
  let delay = firstDelay;
  let stopping = false;
  let restarts = 0;
  let nice: number | null = null;
  let current: Worker;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  /** A restarted thread that is not ready yet. */
  let starting: Promise<Worker> | null = null;

  /** One thread; resolves when it is ready, rejects if it ends first. */
  const spawn = () => new Promise<Worker>((resolve, reject) => {
    const worker = new Worker(entry, {
      workerData: { config },
      name: "praxis-worker",
      // A bounded young generation: V8 grew its semi-spaces to 128 MB under
      // a fan-out, all of it resident (README, Performance, Memory).
      ...(config.queue.workerYoungGenerationMb > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: config.queue.workerYoungGenerationMb } } : {}),
    });
    const startedAt = Date.now();
    let ready = false;
    let failure: unknown;
    worker.on("message", (message: { type?: string; nice?: number | null }) => {
      if (message?.type !== "ready") return;
      ready = true;
      nice = message.nice ?? null;
      resolve(worker);
    });
    worker.on("error", (e) => {
      failure = e;
    });
    worker.on("exit", (code) => {
      if (!ready) {
        reject(new Error(`The queue worker thread could not start: ${failure instanceof Error ? failure.message : `it exited with code ${code}`}`));
        return;
      }
      if (stopping) return;
      // It stopped by itself: start another, later and later while it keeps failing.
      if (Date.now() - startedAt >= HEALTHY_MS) delay = firstDelay;
      logger.error("The queue worker thread stopped ({reason}); restarting it in {delay} ms", {
        reason: failure instanceof Error ? failure.message : `exit code ${code}`, delay,
      });
      restartLater();
    });
  });

  const restartLater = () => {
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (stopping) return;
      restarts++;
      starting = spawn();
      starting.then((next) => {
        starting = null;
        current = next;
      }, (e: unknown) => {
        starting = null;
        logger.error("{error}; retrying in {delay} ms", { error: e instanceof Error ? e.message : String(e), delay });
        restartLater();
      });
    }, delay);
    delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
  };

  current = await spawn();
  return {
    get nice() { return nice; },
    get restarts() { return restarts; },
    get threadId() { return current.threadId; },
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      if (starting) {
        try {
          current = await starting;
        } catch {
          return; // it failed to start: nothing runs
        }
      }
      const worker = current;
      if (worker.threadId === -1) return; // already ended
      const ended = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.postMessage({ type: "stop" });
      const timer = setTimeout(() => void worker.terminate(), options.stopTimeoutMs ?? 30_000);
      await ended;
      clearTimeout(timer);
    },
  };
}
