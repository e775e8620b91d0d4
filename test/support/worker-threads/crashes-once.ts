// A stand-in for src/worker/thread-entry.ts: the first time it runs (per
// data directory) it says it is ready and then fails; every later time it
// stays up until told to stop.
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";

const { config } = workerData as { config: { dataDir: string } };
const marker = path.join(config.dataDir, "crashed-once");
const first = !existsSync(marker);
writeFileSync(marker, "");
parentPort!.postMessage({ type: "ready", nice: null });
if (first) setTimeout(() => { throw new Error("the handler blew up"); }, 20);
parentPort!.on("message", (message: { type?: string }) => {
  if (message?.type === "stop") process.exit(0);
});
