// Runs the benchmarks in sequence and prints a summary table: `npm run bench`.
// Each benchmark prints absolute figures and a ratio against a baseline
// measured in the same run; no figure is asserted anywhere.
//
// Options (environment variables):
//   BENCH_ONLY               comma-separated subset of queue,signing,inbox (default: all)
//   BENCH_N                  default message count for the queue burst (2000)
//   BENCH_QUEUE_N            messages per queue burst (BENCH_N)
//   BENCH_QUEUE_LATENCY_N    messages sent one at a time for the latency figures (200)
//   BENCH_QUEUE_CONCURRENCY  listener concurrencies to try, comma-separated (1,4)
//   BENCH_QUEUE_KEYS         distinct ordering keys in the keyed cases (8)
//   BENCH_QUEUE_HANDLER_MS   simulated handler work in ms (0: the queue alone)
//   BENCH_POSTGRES           0 skips PostgreSQL
//   BENCH_POSTGRES_URL       PostgreSQL database for a throwaway schema
//                            (PRAXIS_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test)
//   BENCH_SIGN_N             signatures per key and method (500)
//   BENCH_INBOX_N            activities posted to the inbox and to the baseline (150)
//   BENCH_INBOX_CONCURRENCY  POSTs in flight (8)
import { runInboxBench } from "./inbox.ts";
import { formatRatio, printTable, type SummaryRow } from "./lib.ts";
import { runQueueBench } from "./queue.ts";
import { runSigningBench } from "./signing.ts";

const BENCHES: Record<string, () => Promise<SummaryRow[]>> = {
  queue: () => runQueueBench(),
  signing: () => runSigningBench(),
  inbox: () => runInboxBench(),
};

const only = process.env.BENCH_ONLY?.split(",").map((name) => name.trim()).filter(Boolean) ?? Object.keys(BENCHES);
const unknown = only.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`BENCH_ONLY: unknown benchmark ${unknown.join(", ")}; expected some of ${Object.keys(BENCHES).join(", ")}`);
  process.exit(2);
}

console.log(`Praxis benchmarks on Node ${process.version}, ${process.platform}/${process.arch}`);
const started = performance.now();
const summary: SummaryRow[] = [];
for (const name of only) summary.push(...await BENCHES[name]());

console.log(`\n## Summary (${((performance.now() - started) / 1000).toFixed(1)} s)`);
printTable(["bench", "case", "measured", "baseline", "ratio", "ratio of"],
  summary.map((row) => [row.bench, row.case, row.value, row.baseline, formatRatio(row.ratio), row.ratioOf]), 2);
