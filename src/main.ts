// `npm start`: the Praxis server. Its role (config `role`) decides whether
// it serves HTTP ("web"), processes the queue ("worker"), or both ("all").
import { getLogger } from "@logtape/logtape";
import { createPraxis } from "./app.ts";
import { ConfigError, loadConfig, type ResolvedConfig } from "./config.ts";
import { setupLogging } from "./logging.ts";
import { yieldToRequests } from "./worker/priority.ts";
import { startWorkerThread, type WorkerThread } from "./worker/thread.ts";

const logger = getLogger(["praxis"]);

async function main(): Promise<void> {
  let config: ResolvedConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  await setupLogging(config.logLevel);
  if (config.allowPrivateAddress) {
    logger.warn("allowPrivateAddress is on: federation with private and loopback addresses is allowed. Use it for development and tests only.");
  }
  const praxis = await createPraxis(config);
  let workerThread: WorkerThread | null = null;
  if (config.role === "worker") {
    // A worker process sharing the machine with web processes yields to them.
    yieldToRequests(config.queue.workerNice, "process");
    praxis.startWorker();
  } else if (config.role === "all") {
    if (config.queue.workerThread) {
      try {
        workerThread = await startWorkerThread(config);
      } catch (e) {
        await praxis.close();
        throw e;
      }
    } else {
      praxis.startWorker();
    }
  }
  if (config.role !== "worker") {
    const { url } = await praxis.listen();
    logger.info("Praxis is listening on {url} (public origin {origin})", { url, origin: config.origin });
    console.log(`Praxis is running at ${config.origin}${url.includes(new URL(config.origin).host) ? "" : ` (listening on ${url})`}`);
  } else {
    // As the web role says where it runs: what an operator (and a supervisor
    // waiting for it) reads once the worker is processing, at its lowered priority.
    console.log(`Praxis worker started (database ${config.database.driver})`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("Received {signal}; shutting down", { signal });
    // The worker thread's drain and the server's run side by side (each within about 8 s; see app.ts).
    await Promise.all([workerThread?.stop(), praxis.close()]);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
