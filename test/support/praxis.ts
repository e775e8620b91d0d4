// Starts a real Praxis server on a loopback port with its own SQLite file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPraxis, type Praxis } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { Operations } from "../../src/operations/communities.ts";
import { freePort } from "./net.ts";

export interface TestPraxis extends Praxis, Operations {
  origin: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startPraxis(overrides: Record<string, unknown> = {}): Promise<TestPraxis> {
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
  praxis.startWorker();
  await praxis.listen();
  return Object.assign(praxis, {
    origin: config.origin,
    dataDir,
    async stop() {
      await praxis.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
