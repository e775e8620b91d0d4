// Runs the benchmarks in sequence and prints a summary table: `npm run bench`
// (`npm run bench -- --quick` for a run of under two minutes). Each benchmark
// prints absolute figures and a ratio against a baseline measured in the same
// run; no figure is asserted anywhere. Stand-in hosts run on loopback only
// (127.0.0.0/8), in child processes where their CPU would skew the figures.
//
// Scenarios (BENCH_ONLY selects some, comma-separated):
//   fanout     1 post → BENCH_FANOUT_FOLLOWERS followers (10,000; quick 2,000) on
//              one shared inbox per 5 followers, each its own host; against a
//              bare Node sender (the floor); RSS before, at peak, once idle;
//              then the scaling curve over BENCH_SCALING follower counts
//   slowhost   BENCH_SLOW_POSTS posts (200; quick 80) whose followers all live on
//              one host answering in 300 ms; against one delivery at a time
//   inbox      a burst of BENCH_INBOX_N signed posts (5,000; quick 1,000) from 10
//              members: accept rate against a bare Hono verify+parse+insert
//              endpoint, relay rate against stock Fedify's accept rate; on
//              SQLite (one process, then a web and a worker process), then
//              on PostgreSQL with a web and a worker process (skipped when
//              BENCH_POSTGRES=0 or unreachable)
//   hops       promotion on a national community reaching a sibling local
//              community's follower, against one hop, with a process per
//              server and with all in one process; and, as the target's
//              baselines, with B replaced by a bare Node relay (the floor)
//              and by stock Fedify (BENCH_HOPS_POSTS; BENCH_HOPS_ONLY picks
//              some of processes, "floor sibling", "stock sibling",
//              "one process" and "author apart", comma-separated; a quick
//              run measures processes and "floor sibling")
//   postgres   the fan-out on PostgreSQL with a web and a worker process
//              (BENCH_PG_FOLLOWERS; skipped when BENCH_POSTGRES=0 or unreachable)
//   queue      the message queue alone against Fedify's in-process queue
//   signing    HTTP signature cost per key size
//
// Other options (environment variables): see each bench/*.ts; BENCH_POSTGRES=0
// skips PostgreSQL in the queue benchmark; BENCH_CPU_PROFILE=prefix writes CPU
// profiles of the measured phases (read them with bench/cpuprofile.ts; the
// three hops' servers in processes of their own write one each);
// BENCH_SQL_STATS=1 times every SQLite statement of the fan-out, the inbox
// burst and the three hops' promotions, in each server's process (README,
// Performance).
import os from "node:os";
import { fanoutOptionsFromEnv, runFanoutBench } from "./fanout.ts";
import { hopsOptionsFromEnv, runHopsBench } from "./hops.ts";
import { inboxOptionsFromEnv, runInboxBench } from "./inbox.ts";
import { postgresOptionsFromEnv, runPostgresBench } from "./postgres.ts";
import { formatRatio, printTable, type SummaryRow } from "./lib.ts";
import { benchLogging } from "./logging.ts";
import { queueOptionsFromEnv, runQueueBench } from "./queue.ts";
import { runSigningBench, signingOptionsFromEnv } from "./signing.ts";
import { runSlowHostBench, slowHostOptionsFromEnv } from "./slow-host.ts";
import { installSqlStats } from "./sql-stats.ts";

const quick = process.argv.includes("--quick");

const BENCHES: Record<string, () => Promise<SummaryRow[]>> = {
  fanout: () => runFanoutBench(fanoutOptionsFromEnv(quick)),
  slowhost: () => runSlowHostBench(slowHostOptionsFromEnv(quick)),
  inbox: () => runInboxBench(inboxOptionsFromEnv(quick)),
  hops: () => runHopsBench(hopsOptionsFromEnv(quick)),
  postgres: () => (process.env.BENCH_POSTGRES === "0" ? Promise.resolve([]) : runPostgresBench(postgresOptionsFromEnv(quick))),
  queue: () => runQueueBench(quick ? { ...queueOptionsFromEnv(), messages: 500, latencyMessages: 50, concurrencies: [4] } : queueOptionsFromEnv()),
  signing: () => runSigningBench(quick ? { iterations: 100 } : signingOptionsFromEnv()),
};

const only = process.env.BENCH_ONLY?.split(",").map((name) => name.trim()).filter(Boolean) ?? Object.keys(BENCHES);
const unknown = only.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`BENCH_ONLY: unknown benchmark ${unknown.join(", ")}; expected some of ${Object.keys(BENCHES).join(", ")}`);
  process.exit(2);
}
if (typeof (globalThis as { gc?: unknown }).gc !== "function") {
  console.warn("Run with node --expose-gc (npm run bench does) for the idle memory figures.");
}

await benchLogging();
installSqlStats();
const cpus = os.cpus();
console.log(`Praxis benchmarks${quick ? " (quick)" : ""} on Node ${process.version}, ${process.platform}/${process.arch}, ` +
  `${cpus.length} × ${cpus[0]?.model.trim() ?? "CPU"}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
const started = performance.now();
const summary: SummaryRow[] = [];
const took: string[] = [];
for (const name of only) {
  const at = performance.now();
  summary.push(...await BENCHES[name]());
  took.push(`${name} ${((performance.now() - at) / 1000).toFixed(1)} s`);
}

console.log(`\n## Summary (${((performance.now() - started) / 1000).toFixed(1)} s: ${took.join(", ")}; load average now ${os.loadavg().map((l) => l.toFixed(1)).join(" ")})`);
printTable(["bench", "case", "measured", "baseline", "ratio", "ratio of"],
  summary.map((row) => [row.bench, row.case, row.value, row.baseline, formatRatio(row.ratio), row.ratioOf]), 2);
// Stock Fedify's in-process queue and the stand-ins leave timers behind.
process.exit(0);
