// Starts a real Praxis server on a loopback port with its own SQLite file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPraxis, type Praxis } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { Operations } from "../../src/operations/communities.ts";
import { startWorkerThread, type WorkerThread } from "../../src/worker/thread.ts";
import { freePort } from "./net.ts";

export interface TestPraxis extends Praxis, Operations {
  origin: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * A Praxis on a loopback port. Its queue worker runs in this thread (tests
 * want it so: one event loop, no start-up cost), or with `workerThread` on a
 * worker thread as `npm start` runs it.
 */
export async function startPraxis(overrides: Record<string, unknown> = {}, options: { workerThread?: boolean } = {}): Promise<TestPraxis & { workerThread: WorkerThread | null }> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "praxis-test-"));
  const config = loadConfig({
    env: {},
    overrides: {
      host: "127.0.0.1",
      port,
      origin: `http://127.0.0.1:${port}`,
      dataDir,
      allowPrivateAddress: true,
      logLevel: "warning",
      queue: { concurrency: 4, pollIntervalMs: 25, leaseSeconds: 30 },
      ...overrides,
    },
  });
  const praxis = await createPraxis(config);
  let workerThread: WorkerThread | null = null;
  if (options.workerThread) workerThread = await startWorkerThread(config);
  else praxis.startWorker();
  await praxis.listen();
  return Object.assign(praxis, {
    origin: config.origin,
    dataDir,
    workerThread,
    async stop() {
      await workerThread?.stop();
      await praxis.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
