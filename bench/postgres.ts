// The fan-out and slow-host scenarios on PostgreSQL, deployed as for scale:
// a web process (this one: inbox, operations) and a worker process
// (`node src/main.ts` with role worker, a child process) sharing a throwaway
// schema. RSS figures are the worker's, where the fan-out happens.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import type { TestPraxis } from "../test/support/praxis.ts";
import { startWebAndWorker } from "../test/support/web-and-worker.ts";
import { type FanoutSetup, fanoutSetup, measureFloor, measurePraxisFanout } from "./fanout.ts";
import { createPostgresSchema, envInt, formatMs, formatRate, formatRatio, printTable, type SummaryRow } from "./lib.ts";
import { loopbackHosts, startSinks } from "./sinks.ts";

/** The worker's resident memory, from /proc (Linux). */
export function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** A web process (this one, with `overrides`) and a worker process sharing a SQLite database in a throwaway data directory. */
export function startSqliteWebAndWorker(overrides: Record<string, unknown> = {}): Promise<TestPraxis> {
  return startWebAndWorker(null, overrides);
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
