// The worker thread of role "all" (src/worker/thread.ts): a Praxis of its
// own on the same database, which processes the queue and serves nothing.
import { parentPort, workerData } from "node:worker_threads";
import { createPraxis } from "../app.ts";
import type { ResolvedConfig } from "../config.ts";
import { setupLogging } from "../logging.ts";
import { yieldToRequests } from "./priority.ts";

const { config } = workerData as { config: ResolvedConfig };
await setupLogging(config.logLevel);
const priority = yieldToRequests(config.queue.workerNice, "thread");
const praxis = await createPraxis({ ...config, role: "worker" });
praxis.startWorker();
parentPort!.on("message", (message: { type?: string }) => {
  if (message?.type !== "stop") return;
  // In-flight messages are released, not lost; then the thread ends.
  void praxis.close().finally(() => process.exit(0));
});
parentPort!.postMessage({ type: "ready", nice: priority.nice });
