// One slow host: every follower of a community lives on one server that
// answers each POST after 300 ms (a stand-in from bench/sink.ts). Ten members
// (bench/sender.ts, in their own process) post BENCH_SLOW_POSTS posts and
// edit every tenth one right away; Praxis relays each post as
// Announce(Create) and a boost, and each edit as Announce(Update), all to
// that host.
// Figure: deliveries/s to the slow host from the first post to its last
// delivery. Baseline: the one-at-a-time model, a sender that waits for each
// answer before its next POST to a host (Lemmy 0.19's default): 1 / 300 ms.
// Checked: per object, Announce(Create) before its boost before
// Announce(Update) (order per object kept); peak deliveries in flight to the
// host; connections it saw (keep-alive).
import { createCommunity } from "../src/operations/communities.ts";
import { startPraxis } from "../test/support/praxis.ts";
import { addMembers } from "../test/support/members.ts";
import { insertFollowers, queueDrained } from "./fanout.ts";
import { envInt, formatRate, formatRatio, printTable, profiled, type SummaryRow } from "./lib.ts";
import { startSender } from "./senders.ts";
import { startSinks } from "./sinks.ts";

export interface SlowHostBenchOptions {
  posts: number;
  delayMs: number;
  /** Posts sent at once by the members' server. */
  concurrency: number;
  timeoutMs: number;
}

export function slowHostOptionsFromEnv(quick: boolean): SlowHostBenchOptions {
  return {
    posts: envInt("BENCH_SLOW_POSTS", quick ? 80 : 200),
    delayMs: envInt("BENCH_SLOW_DELAY_MS", 300),
    concurrency: Math.max(1, envInt("BENCH_SLOW_CONCURRENCY", 8)),
    timeoutMs: envInt("BENCH_SLOW_TIMEOUT_MS", 300_000),
  };
}

export async function runSlowHostBench(options: SlowHostBenchOptions): Promise<SummaryRow[]> {
  const edits = Math.floor(options.posts / 10);
  const expected = 2 * options.posts + edits;
  console.log(`\n## One slow host: ${options.posts} posts (${edits} edited) to a community whose followers all live on one host answering after ${options.delayMs} ms`);
  const sinks = await startSinks();
  const sender = await startSender(10, "127.41.0.1");
  // BENCH_SLOW_HOST_CONCURRENCY overrides queue.hostConcurrency (to compare settings).
  const hostConcurrency = envInt("BENCH_SLOW_HOST_CONCURRENCY", 0);
  const praxis = await startPraxis({ queue: hostConcurrency > 0 ? { hostConcurrency } : {}, limits: { inboxRequestsPerWindow: 0 } });
  try {
    await createCommunity(praxis, "slowhost", { name: "Slow host" });
    await addMembers(praxis, "slowhost", sender.actors.map((a) => ({ uri: a.id, inbox: a.inbox, sharedInbox: a.sharedInbox })));
    const [origin] = await sinks.listen([{ address: "127.30.0.1", delayMs: options.delayMs }], { track: true });
    await insertFollowers(praxis, "slowhost", [origin], 5, 5);
    const inbox = `${praxis.origin}/c/slowhost/inbox`;
    const group = `${praxis.origin}/c/slowhost`;
    // Warm-up: keys fetched, paths compiled.
    await sender.burst(inbox, group, 10, options.concurrency, "warm");
    await sinks.awaitTotal(20, 60_000);
    await queueDrained(praxis);
    await sinks.reset();

    const start = Date.now();
    const ok = await profiled("slow-host", async () => {
      await sender.burst(inbox, group, options.posts, options.concurrency, "slow", 10);
      return sinks.awaitTotal(expected, options.timeoutMs);
    });
    const stats = await sinks.stats(true);
    const ms = stats.lastAt - start;
    if (!ok) throw new Error(`Slow host: only ${stats.total} of ${expected} deliveries within ${options.timeoutMs} ms`);
    await queueDrained(praxis);

    // Order per object: Announce(Create), then the boost, then Announce(Update).
    const seen = new Map<string, number[]>();
    for (const entry of stats.log ?? []) {
      if (entry.type !== "Announce") continue;
      // An Announce of an activity names the note as its object's object; a boost names it directly.
      const note = entry.inner ?? entry.object;
      if (!note) continue;
      const rank = entry.inner === null ? 1 : entry.object?.includes("/updates/") ? 2 : 0;
      seen.set(note, [...(seen.get(note) ?? []), rank]);
    }
    let outOfOrder = 0;
    for (const ranks of seen.values()) if (ranks.some((r, i) => i > 0 && r < ranks[i - 1])) outOfOrder++;
    const rate = expected / (ms / 1000);
    const baseline = 1000 / options.delayMs;
    const ratio = rate / baseline;
    printTable(["sender", "deliveries", "time", "deliveries/s", "peak in flight", "connections", "objects out of order", "vs one at a time"], [
      ["one at a time (model)", String(expected), `${((expected * options.delayMs) / 1000).toFixed(1)} s`, formatRate(baseline, "/s"), "1", "1", "0", "1.0x"],
      ["Praxis", String(stats.total), `${(ms / 1000).toFixed(1)} s`, formatRate(rate, "/s"), String(stats.maxInFlightPerHost),
        String(stats.connections), String(outOfOrder), formatRatio(ratio)],
    ]);
    return [{
      bench: "slow host",
      case: `${options.posts} posts, ${options.delayMs} ms per answer`,
      value: `${formatRate(rate, "deliveries/s")}, ${stats.maxInFlightPerHost} in flight, ${outOfOrder} out of order`,
      baseline: `${formatRate(baseline, "deliveries/s")} (one at a time)`,
      ratio,
      ratioOf: "deliveries/s Praxis / one at a time (target ≥ 15)",
    }];
  } finally {
    await praxis.stop();
    await sender.stop();
    await sinks.stop();
  }
}

if (import.meta.main) {
  const { benchLogging } = await import("./logging.ts");
  await benchLogging();
  await runSlowHostBench(slowHostOptionsFromEnv(process.argv.includes("--quick")));
  process.exit(0);
}
