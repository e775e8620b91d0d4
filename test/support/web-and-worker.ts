// A web-only Praxis in this process (role web) and a worker process
// (`node src/main.ts` with role worker) sharing one database: PostgreSQL at a
// URL, or SQLite in the shared data directory. How Praxis is deployed to use
// more than one core; used by the tests of that deployment and the benchmarks.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPraxis } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { freePort } from "./net.ts";
import type { TestPraxis } from "./praxis.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What the README (Deployment, scaling out) gives a `role: worker` process: a young generation of 3 × 16 MB. */
export const WORKER_NODE_OPTIONS = "--max-semi-space-size=16";

/** A web-only Praxis in this process and a worker process, on PostgreSQL at `url`, or on SQLite in its data directory without one. */
export async function startWebAndWorker(url: string | null, overrides: Record<string, unknown> = {}): Promise<TestPraxis & { worker: ChildProcess }> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), url ? "praxis-pg-" : "praxis-sqlite-"));
  const origin = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    env: {},
    overrides: {
      host: "127.0.0.1", port, origin, dataDir, allowPrivateAddress: true, logLevel: "warning", role: "web",
      database: url ? { driver: "postgres", url, poolSize: 10 } : { driver: "sqlite" },
      ...overrides,
    },
  });
  const praxis = await createPraxis(config);
  await praxis.listen();
  const worker = spawn(process.execPath, [path.join(ROOT, "src/main.ts")], {
    env: {
      ...process.env, PRAXIS_CONFIG: "", PRAXIS_ROLE: "worker", PRAXIS_HOST: "127.0.0.1", PRAXIS_PORT: String(port), PRAXIS_ORIGIN: origin,
      PRAXIS_DATA_DIR: dataDir, PRAXIS_DATABASE_DRIVER: url ? "postgres" : "sqlite", ...(url ? { PRAXIS_DATABASE_URL: url } : {}),
      PRAXIS_ALLOW_PRIVATE_ADDRESS: "true",
      PRAXIS_LOG_LEVEL: "error",
      // As the README's deployment section runs a worker process; with a CPU
      // profile written to this directory when it exits, if asked.
      NODE_OPTIONS: [WORKER_NODE_OPTIONS, ...(process.env.BENCH_WORKER_CPU_PROFILE ? [`--cpu-prof --cpu-prof-dir=${process.env.BENCH_WORKER_CPU_PROFILE}`] : [])].join(" "),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  // Started once it says so (it has lowered its priority and is processing
  // the queue): a fixed boot time was too short on a loaded machine.
  await new Promise<void>((resolve, reject) => {
    let said = "";
    const timer = setTimeout(() => reject(new Error(`The worker did not start within 60 s: ${said}`)), 60_000);
    const onData = (chunk: Buffer) => {
      said += chunk.toString();
      if (!said.includes("Praxis worker started")) return;
      clearTimeout(timer);
      worker.stdout!.off("data", onData);
      resolve();
    };
    worker.stdout!.on("data", onData);
    worker.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The worker exited early (${code}): ${said}`));
    });
  });
  worker.removeAllListeners("exit");
  // Read on, so that a worker writing to its stdout is never blocked by a full pipe.
  worker.stdout!.resume();
  return Object.assign(praxis, {
    origin, dataDir, worker,
    async stop() {
      worker.kill("SIGTERM");
      await new Promise((resolve) => worker.once("exit", resolve));
      await praxis.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

