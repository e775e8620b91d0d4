// Message queue benchmark: KyselyMessageQueue on SQLite (and PostgreSQL when
// reachable) against Fedify's InProcessMessageQueue, the baseline.
//
// Two phases per case, each with a fresh queue:
// - throughput: BENCH_QUEUE_N messages enqueued one by one as fast as the
//   producer can, while a listener handles them; messages/s from the first
//   enqueue to the last message handled;
// - latency: BENCH_QUEUE_LATENCY_N messages sent one at a time, each once the
//   previous one was handled; p50/p95 of enqueue → handler finished, on an
//   otherwise idle queue (under the burst the latency would only measure the
//   backlog).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { InProcessMessageQueue, type MessageQueue, ParallelMessageQueue } from "@fedify/fedify";
import { type Dialect, openDatabase, type PraxisDatabase } from "../src/db/database.ts";
import { KyselyMessageQueue } from "../src/db/message-queue.ts";
import { migrateToLatest } from "../src/db/migrator.ts";
import {
  createPostgresSchema, envInt, envInts, formatMs, formatRate, formatRatio, percentile, printTable, type SummaryRow,
} from "./lib.ts";

export interface QueueBenchOptions {
  messages: number;
  latencyMessages: number;
  concurrencies: number[];
  /** Distinct ordering keys in the keyed cases. */
  orderingKeys: number;
  /** Simulated handler work (an await of this many ms); 0 measures the queue alone. */
  handlerMs: number;
  postgres: boolean;
}

export function queueOptionsFromEnv(): QueueBenchOptions {
  return {
    messages: envInt("BENCH_QUEUE_N", envInt("BENCH_N", 2000)),
    latencyMessages: envInt("BENCH_QUEUE_LATENCY_N", 200),
    concurrencies: envInts("BENCH_QUEUE_CONCURRENCY", [1, 4]),
    orderingKeys: envInt("BENCH_QUEUE_KEYS", 8),
    handlerMs: envInt("BENCH_QUEUE_HANDLER_MS", 0),
    postgres: process.env.BENCH_POSTGRES !== "0",
  };
}

interface CaseResult {
  throughput: number;
  p50: number;
  p95: number;
}

interface Message {
  i: number;
  /** performance.now() just before the enqueue call. */
  t: number;
}

type QueueFactory = (concurrency: number, name: string) => MessageQueue;

async function measure(factory: QueueFactory, concurrency: number, keyed: boolean, options: QueueBenchOptions, name: string): Promise<CaseResult> {
  const keyOf = (i: number) => (keyed ? { orderingKey: `key-${i % options.orderingKeys}` } : undefined);

  // Throughput: a burst.
  const burst = factory(concurrency, `${name}-burst`);
  let handled = 0;
  let allHandled!: () => void;
  const finished = new Promise<void>((resolve) => { allHandled = resolve; });
  const controller = new AbortController();
  const listening = burst.listen(async () => {
    if (options.handlerMs > 0) await delay(options.handlerMs);
    if (++handled === options.messages) allHandled();
  }, { signal: controller.signal });
  const start = performance.now();
  for (let i = 0; i < options.messages; i++) {
    await burst.enqueue({ i, t: performance.now() } satisfies Message, keyOf(i));
  }
  await finished;
  const throughput = options.messages / ((performance.now() - start) / 1000);
  controller.abort();
  await listening;

  // Latency: one message at a time on an idle queue.
  const pingPong = factory(concurrency, `${name}-latency`);
  const latencies: number[] = [];
  let handledOne: (() => void) | undefined;
  const latencyController = new AbortController();
  const latencyListening = pingPong.listen(async (message: Message) => {
    if (options.handlerMs > 0) await delay(options.handlerMs);
    latencies.push(performance.now() - message.t);
    handledOne?.();
  }, { signal: latencyController.signal });
  for (let i = 0; i < options.latencyMessages; i++) {
    const done = new Promise<void>((resolve) => { handledOne = resolve; });
    await pingPong.enqueue({ i, t: performance.now() } satisfies Message, keyOf(i));
    await done;
  }
  latencyController.abort();
  await latencyListening;
  latencies.sort((a, b) => a - b);
  return { throughput, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

interface Backend {
  label: string;
  factory: QueueFactory;
  close(): Promise<void>;
}

async function sqliteBackend(): Promise<Backend> {
  const dir = await mkdtemp(path.join(tmpdir(), "praxis-bench-"));
  const database = openDatabase({ driver: "sqlite", url: path.join(dir, "bench.sqlite") });
  await migrateToLatest(database.db);
  return {
    label: "sqlite",
    factory: kyselyFactory(database, "sqlite"),
    async close() {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function postgresBackend(): Promise<Backend | string> {
  const schema = await createPostgresSchema();
  if ("unavailable" in schema) return schema.unavailable;
  const database = openDatabase({ driver: "postgres", url: schema.url, poolSize: 10 });
  await migrateToLatest(database.db);
  return {
    label: "postgres",
    factory: kyselyFactory(database, "postgres"),
    async close() {
      await database.close();
      await schema.drop();
    },
  };
}

function kyselyFactory(database: PraxisDatabase, dialect: Dialect): QueueFactory {
  // pollIntervalMs only matters for other processes' messages: local enqueues wake the listener.
  return (concurrency, name) => new KyselyMessageQueue(database.db, { dialect, queue: name, concurrency, pollIntervalMs: 500 });
}

const inProcessFactory: QueueFactory = (concurrency) => {
  const queue = new InProcessMessageQueue({ pollInterval: { milliseconds: 500 } });
  return concurrency > 1 ? new ParallelMessageQueue(queue, concurrency) : queue;
};

export async function runQueueBench(options: QueueBenchOptions = queueOptionsFromEnv()): Promise<SummaryRow[]> {
  console.log(`\n## Message queue: ${options.messages} messages per burst, ${options.latencyMessages} one at a time for latency, ` +
    `handler ${options.handlerMs} ms, ${options.orderingKeys} ordering keys in keyed cases`);
  const backends: Backend[] = [await sqliteBackend()];
  if (options.postgres) {
    const postgres = await postgresBackend();
    if (typeof postgres === "string") console.log(`PostgreSQL skipped: unreachable (${postgres}); set BENCH_POSTGRES_URL to use another server.`);
    else backends.push(postgres);
  } else {
    console.log("PostgreSQL skipped: BENCH_POSTGRES=0.");
  }

  const rows: string[][] = [];
  const summary: SummaryRow[] = [];
  try {
    for (const keyed of [false, true]) {
      for (const concurrency of options.concurrencies) {
        const caseName = `${keyed ? "keyed" : "unkeyed"}, c=${concurrency}`;
        const baseline = await measure(inProcessFactory, concurrency, keyed, options, "in-process");
        rows.push(["in-process", caseName, formatRate(baseline.throughput, "msg/s"), formatMs(baseline.p50), formatMs(baseline.p95), "1.00x"]);
        for (const backend of backends) {
          const name = `bench-${backend.label}-${keyed ? "k" : "u"}${concurrency}`;
          const result = await measure(backend.factory, concurrency, keyed, options, name);
          const ratio = result.throughput / baseline.throughput;
          rows.push([backend.label, caseName, formatRate(result.throughput, "msg/s"), formatMs(result.p50), formatMs(result.p95), formatRatio(ratio)]);
          summary.push({
            bench: "queue",
            case: `${backend.label} ${caseName}`,
            value: `${formatRate(result.throughput, "msg/s")}, p50 ${formatMs(result.p50)}`,
            baseline: `${formatRate(baseline.throughput, "msg/s")}, p50 ${formatMs(baseline.p50)}`,
            ratio,
            ratioOf: "throughput Kysely / in-process",
          });
        }
      }
    }
  } finally {
    for (const backend of backends) await backend.close();
  }
  printTable(["queue", "case", "throughput", "p50 latency", "p95 latency", "vs in-process"], rows);
  return summary;
}

if (import.meta.main) await runQueueBench();
