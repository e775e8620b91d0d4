// The fan-out and slow-host scenarios on PostgreSQL, deployed as for scale:
// a web process (this one: inbox, operations) and a worker process
// (`node src/main.ts` with role worker, a child process) sharing a throwaway
// schema. RSS figures are the worker's, where the fan-out happens.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPraxis } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { freePort } from "../test/support/net.ts";
import type { TestPraxis } from "../test/support/praxis.ts";
import { type FanoutSetup, fanoutSetup, measureFloor, measurePraxisFanout } from "./fanout.ts";
import { createPostgresSchema, envInt, formatMs, formatRate, formatRatio, printTable, type SummaryRow } from "./lib.ts";
import { loopbackHosts, startSinks } from "./sinks.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The worker's resident memory, from /proc (Linux). */
export function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** A web-only Praxis in this process and a worker process, on `url`. */
async function startWebAndWorker(url: string, overrides: Record<string, unknown> = {}): Promise<TestPraxis & { worker: ChildProcess }> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "praxis-bench-pg-"));
  const origin = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    env: {},
    overrides: {
      host: "127.0.0.1", port, origin, dataDir, allowPrivateAddress: true, logLevel: "warning", role: "web",
      database: { driver: "postgres", url, poolSize: 10 },
      ...overrides,
    },
  });
  const praxis = await createPraxis(config);
  await praxis.listen();
  const worker = spawn(process.execPath, [path.join(ROOT, "src/main.ts")], {
    env: {
      ...process.env, PRAXIS_CONFIG: "", PRAXIS_ROLE: "worker", PRAXIS_HOST: "127.0.0.1", PRAXIS_PORT: String(port), PRAXIS_ORIGIN: origin,
      PRAXIS_DATA_DIR: dataDir, PRAXIS_DATABASE_DRIVER: "postgres", PRAXIS_DATABASE_URL: url, PRAXIS_ALLOW_PRIVATE_ADDRESS: "true",
      PRAXIS_LOG_LEVEL: "error",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    // The worker logs nothing at error level once started: give it its boot time.
    const timer = setTimeout(resolve, 3_000);
    worker.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The worker exited early (${code})`));
    });
  });
  worker.removeAllListeners("exit");
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

/**
 * A web process (this one, with `overrides`) and a worker process on a
 * throwaway PostgreSQL schema, dropped by `stop`; null when PostgreSQL is
 * unreachable (said once, on stdout).
 */
export async function startPostgresWebAndWorker(overrides: Record<string, unknown> = {}): Promise<TestPraxis | null> {
  const schema = await createPostgresSchema();
  if ("unavailable" in schema) {
    console.log(`PostgreSQL skipped: unreachable (${schema.unavailable}); set BENCH_POSTGRES_URL to use another server.`);
    return null;
  }
  try {
    const praxis = await startWebAndWorker(schema.url, overrides);
    const stop = praxis.stop;
    return Object.assign(praxis, {
      async stop() {
        try {
          await stop();
        } finally {
          await schema.drop();
        }
      },
    });
  } catch (error) {
    await schema.drop();
    throw error;
  }
}

export interface PostgresBenchOptions {
  followers: number;
  followersPerInbox: number;
  floorConcurrency: number;
  timeoutMs: number;
}

export function postgresOptionsFromEnv(quick: boolean): PostgresBenchOptions {
  return {
    followers: envInt("BENCH_PG_FOLLOWERS", quick ? 2_000 : 10_000),
    followersPerInbox: Math.max(1, envInt("BENCH_FANOUT_PER_INBOX", 5)),
    floorConcurrency: Math.max(1, envInt("BENCH_FLOOR_CONCURRENCY", 32)),
    timeoutMs: envInt("BENCH_FANOUT_TIMEOUT_MS", 600_000),
  };
}

export async function runPostgresBench(options: PostgresBenchOptions): Promise<SummaryRow[]> {
  const inboxCount = Math.ceil(options.followers / options.followersPerInbox);
  console.log(`\n## PostgreSQL, a web and a worker process: fan-out of 1 post → ${options.followers} followers on ${inboxCount} inboxes`);
  const schema = await createPostgresSchema();
  if ("unavailable" in schema) {
    console.log(`PostgreSQL skipped: unreachable (${schema.unavailable}); set BENCH_POSTGRES_URL to use another server.`);
    return [];
  }
  const sinks = await startSinks();
  let setup: FanoutSetup | null = null;
  try {
    const origins = await sinks.listen(loopbackHosts(inboxCount, 12));
    const floor = await measureFloor(sinks, origins.map((o) => `${o}/inbox`), options.floorConcurrency);
    let worker: ChildProcess | null = null;
    setup = await fanoutSetup("pgfanout", async () => {
      const praxis = await startWebAndWorker(schema.url);
      worker = praxis.worker;
      return praxis;
    });
    const pid = (worker as ChildProcess | null)?.pid ?? 0;
    const before = rssOf(pid);
    let peak = before;
    const sampler = setInterval(() => { peak = Math.max(peak, rssOf(pid)); }, 100);
    const result = await measurePraxisFanout(setup, sinks, origins, options.followers, options.followersPerInbox, options.timeoutMs);
    clearInterval(sampler);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = rssOf(pid);
    const ratio = result.rate / floor.rate;
    const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
    printTable(["sender", "deliveries", "time", "deliveries/s", "worker RSS before", "peak", "2 s after", "vs floor"], [
      ["floor (bare Node, RSA-2048, keep-alive)", String(floor.deliveries), formatMs(floor.ms), formatRate(floor.rate, "/s"), "-", "-", "-", "1.0x"],
      ["Praxis web + worker, PostgreSQL", String(result.deliveries), formatMs(result.ms), formatRate(result.rate, "/s"),
        mb(before), `${mb(peak)} (+${mb(peak - before)})`, `${mb(after)} (+${mb(after - before)})`, formatRatio(ratio)],
    ]);
    return [{
      bench: "fan-out (PostgreSQL)",
      case: `${options.followers} followers, web + worker`,
      value: `${formatRate(result.rate, "deliveries/s")}, worker peak +${mb(peak - before)}`,
      baseline: `${formatRate(floor.rate, "deliveries/s")} (floor)`,
      ratio,
      ratioOf: "deliveries/s Praxis / floor (target ≥ 0.5)",
    }];
  } finally {
    await setup?.stop();
    await sinks.stop();
    await schema.drop();
  }
}

if (import.meta.main) {
  const { benchLogging } = await import("./logging.ts");
  await benchLogging();
  await runPostgresBench(postgresOptionsFromEnv(process.argv.includes("--quick")));
  process.exit(0);
}
