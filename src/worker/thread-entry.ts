// The worker thread of role "all" (src/worker/thread.ts): a Praxis of its
// own on the same database, which processes the queue and serves nothing.
import { parentPort, workerData } from "node:worker_threads";
import { getLogger } from "@logtape/logtape";
import { createPraxis } from "../app.ts";
import type { ResolvedConfig } from "../config.ts";
import { setupLogging } from "../logging.ts";
import { IDLE_MEMORY_DEFAULTS, reduceMemoryWhenIdle } from "./idle-memory.ts";
import { yieldToRequests } from "./priority.ts";

const logger = getLogger(["praxis", "worker"]);
const { config } = workerData as { config: ResolvedConfig };
await setupLogging(config.logLevel);
const priority = yieldToRequests(config.queue.workerNice, "thread");
const praxis = await createPraxis({ ...config, role: "worker" });
praxis.startWorker();
// V8's memory reducer does not run on a worker thread: this gives a burst's
// garbage back once the thread is idle (src/worker/idle-memory.ts).
const stopReducing = reduceMemoryWhenIdle(IDLE_MEMORY_DEFAULTS, (before, after) => {
  logger.debug("Idle: collected the worker thread's heap from {before} MB to {after} MB in use", {
    before: Math.round(before / 2 ** 20), after: Math.round(after / 2 ** 20),
  });
});
parentPort!.on("message", (message: { type?: string }) => {
  if (message?.type !== "stop") return;
  stopReducing();
  // In-flight messages are released, not lost; then the thread ends.
  void praxis.close().finally(() => process.exit(0));
});
parentPort!.postMessage({ type: "ready", nice: priority.nice });
