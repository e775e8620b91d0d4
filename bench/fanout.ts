// Fan-out: one post into a community whose followers sit on many shared
// inboxes, each inbox its own host (a loopback address and port served by
// bench/sink.ts in a child process). A member (a Fedify peer) posts; Praxis
// accepts it, relays it as Announce(Create) and Announce(object) to every
// inbox. Figures: deliveries/s from the POST to the last delivery, and the
// process's RSS before, at peak and once idle again (idle: left alone, with
// no forced collection, so that V8's memory reducer runs as in production;
// see idleRss).
// Baseline (the floor): bench/floor.ts sending the same number of POSTs of
// the same sizes to the same inboxes (RSA-2048 signature, keep-alive).
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { getHeapSpaceStatistics } from "node:v8";
import { benchLogging } from "./logging.ts";
import { installSqlStats, printSqlStats, resetSqlStats } from "./sql-stats.ts";
import { createCommunity } from "../src/operations/communities.ts";
import { listMembers } from "../src/operations/members.ts";
import { waitFor } from "../test/support/net.ts";
import { type Peer, startPeer } from "../test/support/peer.ts";
import { startPraxis, type TestPraxis } from "../test/support/praxis.ts";
import { createFloorSender, type FloorDelivery } from "./floor.ts";
import { envInt, formatMs, formatRate, formatRatio, printTable, profiled, sleep, type SummaryRow } from "./lib.ts";
import { loopbackHosts, type Sinks, startSinks } from "./sinks.ts";

export interface FanoutBenchOptions {
  followers: number;
  followersPerInbox: number;
  /** Follower counts for the scaling curve (empty: skip). */
  scaling: number[];
  /** POSTs in flight for the floor sender. */
  floorConcurrency: number;
  timeoutMs: number;
  /** How long after the fan-out the idle RSS is taken. */
  idleWaitMs: number;
  /** The same fan-out again this many times, for the idle RSS after each. */
  repeats: number;
  /** Read the RSS before settled too (left alone idleWaitMs), not only right after forced collections. */
  settleBefore: boolean;
}

export function fanoutOptionsFromEnv(quick: boolean): FanoutBenchOptions {
  return {
    followers: envInt("BENCH_FANOUT_FOLLOWERS", quick ? 2_000 : 10_000),
    followersPerInbox: Math.max(1, envInt("BENCH_FANOUT_PER_INBOX", 5)),
    scaling: (process.env.BENCH_SCALING ?? (quick ? "100,1000" : "100,1000,10000"))
      .split(",").map((s) => s.trim()).filter(Boolean).map(Number),
    floorConcurrency: Math.max(1, envInt("BENCH_FLOOR_CONCURRENCY", 32)),
    timeoutMs: envInt("BENCH_FANOUT_TIMEOUT_MS", 600_000),
    // Long enough for V8's memory reducer (MEMORY_REDUCER_MS).
    idleWaitMs: envInt("BENCH_IDLE_WAIT_MS", quick ? 12_000 : 15_000),
    repeats: envInt("BENCH_FANOUT_REPEATS", quick ? 0 : 2),
    // Quick runs read the RSS before only after forced collections (12 s less).
    settleBefore: (process.env.BENCH_SETTLE_BEFORE ?? (quick ? "0" : "1")) === "1",
  };
}

const MB = 1024 * 1024;

/** RSS split into anonymous, file-backed and shared memory (Linux), for diagnosis. */
function procRss(): string {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    return ["RssAnon", "RssFile", "RssShmem"].map((k) => `${k} ${new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1]} kB`).join(", ");
  } catch {
    return "";
  }
}

/** This process's memory for BENCH_VERBOSE (the heap figures are this thread's); with V8's heap spaces (used/size, MB) if asked. */
function memoryLine(spaces = false): string {
  const m = process.memoryUsage();
  const line = `${procRss()} rss ${(m.rss / MB).toFixed(0)} MB, heap ${(m.heapUsed / MB).toFixed(0)}/${(m.heapTotal / MB).toFixed(0)} MB, ` +
    `external ${(m.external / MB).toFixed(0)} MB, array buffers ${(m.arrayBuffers / MB).toFixed(0)} MB`;
  if (!spaces) return line;
  return `${line}; heap spaces ${getHeapSpaceStatistics().filter((h) => h.space_size > 0)
    .map((h) => `${h.space_name} ${(h.space_used_size / MB).toFixed(0)}/${(h.space_size / MB).toFixed(0)}`).join(", ")}`;
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Samples RSS every 100 ms until stopped; returns the peak. With
 * BENCH_VERBOSE=1, `atPeak` describes the memory when the peak was sampled.
 */
export function rssSampler(): { stop(): number; atPeak(): string } {
  const verbose = process.env.BENCH_VERBOSE === "1";
  let peak = process.memoryUsage.rss();
  let atPeak = verbose ? memoryLine(true) : "";
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss <= peak) return;
    peak = rss;
    if (verbose) atPeak = memoryLine(true);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
    atPeak: () => atPeak,
  };
}

/**
 * How long an idle process needs for V8's memory reducer to run: it starts
 * 8 s after allocation quiets down (--gc-memory-reducer-start-delay-ms) and
 * makes two memory-reducing collections, which give the heap pages the
 * work used back to the system.
 */
export const MEMORY_REDUCER_MS = 10_000;

/**
 * RSS once the process has been idle for `waitMs`. A wait of at least
 * MEMORY_REDUCER_MS leaves the process alone, as in production, so that V8's
 * memory reducer runs. A forced gc() is not a memory-reducing collection
 * and restarts the reducer's wait: this used to force one every second, so
 * the reducer never ran and the pages a fan-out had used stayed resident
 * (the "+57 to +87 MB not given back" of earlier runs). A shorter wait (a
 * figure taken between runs, as for the scaling curve) forces collections
 * instead, then reads.
 */
export async function idleRss(waitMs = 2_000): Promise<number> {
  if (waitMs >= MEMORY_REDUCER_MS) {
    await sleep(waitMs);
    return process.memoryUsage.rss();
  }
  gc();
  for (let waited = 0; waited < waitMs; waited += 1_000) {
    await sleep(1_000);
    gc();
  }
  return process.memoryUsage.rss();
}

/** Bodies the size of what a relay sends: an Announce of a Create(Note) and an Announce of the note's id. */
export function relayBodies(): string[] {
  const note = {
    id: "http://127.0.0.1:1/users/alice/notes/1", type: "Note", attributedTo: "http://127.0.0.1:1/users/alice",
    content: "<p>Bench post about compost</p>", to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: ["http://127.0.0.1:1/users/alice/followers"], published: "2025-01-01T00:00:00Z",
  };
  const proof = { type: "DataIntegrityProof", cryptosuite: "eddsa-jcs-2022", verificationMethod: "x#multikey-1", proofPurpose: "assertionMethod", proofValue: "z".padEnd(88, "5"), created: "2025-01-01T00:00:00Z" };
  const signature = { type: "RsaSignature2017", creator: "x#main-key", created: "2025-01-01T00:00:00Z", signatureValue: "A".repeat(344) };
  const ctx = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", "https://w3id.org/security/data-integrity/v1"];
  return [
    JSON.stringify({ "@context": ctx, id: "http://127.0.0.1:2/c/bench/activities/1", type: "Announce", actor: "http://127.0.0.1:2/c/bench",
      object: { id: `${note.id}/activity`, type: "Create", actor: note.attributedTo, object: note, to: note.to, cc: note.cc },
      to: note.to, cc: ["http://127.0.0.1:2/c/bench/followers"], published: "2025-01-01T00:00:00Z", proof, signature }),
    JSON.stringify({ "@context": ctx, id: "http://127.0.0.1:2/c/bench/activities/2", type: "Announce", actor: "http://127.0.0.1:2/c/bench",
      object: note.id, to: note.to, cc: ["http://127.0.0.1:2/c/bench/followers"], published: "2025-01-01T00:00:00Z", proof, signature }),
  ];
}

/** Floor deliveries/s for the relay of one post to `inboxes`. */
export async function measureFloor(sinks: Sinks, inboxes: string[], concurrency: number): Promise<{ ms: number; rate: number; deliveries: number }> {
  const bodies = relayBodies();
  const floor = createFloorSender();
  try {
    // Warm-up on a few inboxes, so that JIT compilation is not measured.
    const warm: FloorDelivery[] = inboxes.slice(0, 20).flatMap((inbox) => [{ inbox, body: 0 }, { inbox, body: 1 }]);
    await floor.send(warm, bodies, { concurrency });
    await sinks.reset();
    const deliveries: FloorDelivery[] = [0, 1].flatMap((body) => inboxes.map((inbox) => ({ inbox, body })));
    const ms = await floor.send(deliveries, bodies, { concurrency });
    return { ms, rate: deliveries.length / (ms / 1000), deliveries: deliveries.length };
  } finally {
    floor.close();
    await sinks.reset();
  }
}

/** Inserts `count` accepted members of `slug`, `perInbox` per shared inbox, straight into the database. */
export async function insertFollowers(praxis: TestPraxis, slug: string, origins: string[], count: number, perInbox: number): Promise<void> {
  const community = await praxis.services.repos.communities.findBySlug(slug);
  if (!community) throw new Error(`No community ${slug}`);
  const now = new Date().toISOString();
  const db = praxis.services.db;
  for (let start = 0; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, (_, j) => {
      const i = start + j;
      const origin = origins[Math.floor(i / perInbox) % origins.length];
      return { uri: `${origin}/users/u${i}`, inbox: `${origin}/users/u${i}/inbox`, sharedInbox: `${origin}/inbox` };
    });
    await db.transaction().execute(async (tx) => {
      await tx.insertInto("remote_actors").values(batch.map((m) => ({
        uri: m.uri, handle: null, type: "Person", name: null, inbox: m.inbox, shared_inbox: m.sharedInbox, url: null, icon_url: null, fetched_at: now,
      }))).execute();
      await tx.insertInto("memberships").values(batch.map((m) => ({
        community_id: community.id, actor_uri: m.uri, status: "accepted" as const, follow_id: null, message: null, requested_at: now, accepted_at: now,
      }))).execute();
    });
  }
}

export interface PraxisFanoutResult {
  deliveries: number;
  ms: number;
  rate: number;
  /** RSS before: settled (left alone for idleWaitMs, else after forced collections), or for a repeat the last idle level. */
  rssBefore: number;
  /** RSS before, right after forced collections (the setup's work just done), when it was also read settled; else null. */
  rssBeforeCollected: number | null;
  rssPeak: number;
  rssIdle: number;
}

export interface FanoutSetup {
  praxis: TestPraxis;
  peer: Peer;
  group: string;
  stop(): Promise<void>;
}

/**
 * The queue on a worker thread of its own, as `npm start` runs it on a machine
 * with more than one core (queue.workerThread); BENCH_FANOUT_WORKER_THREAD=0
 * runs it on the benchmark's thread.
 */
export function fanoutWorkerThread(): boolean {
  return process.env.BENCH_FANOUT_WORKER_THREAD === undefined ? availableParallelism() > 1 : process.env.BENCH_FANOUT_WORKER_THREAD === "1";
}

/** A Praxis (default queue settings) with a community and one member, the peer's alice, warmed up by one post. */
export async function fanoutSetup(slug: string, start: () => Promise<TestPraxis> = () => startPraxis({ queue: {} }, { workerThread: fanoutWorkerThread() })): Promise<FanoutSetup> {
  const praxis = await start();
  const peer = await startPeer({ users: ["alice"] });
  try {
    await createCommunity(praxis, slug, { name: "Bench" });
    const group = `${praxis.origin}/c/${slug}`;
    await peer.follow("alice", group);
    await waitFor(async () => (await listMembers(praxis, slug, false)).length === 1, "alice's membership", 60_000);
    // Warm-up: one post relayed to alice alone.
    const before = peer.receivedOf("Announce").length;
    await peer.post("alice", { content: "<p>warm-up</p>", mention: [group] });
    await waitFor(() => peer.receivedOf("Announce").length >= before + 2, "the warm-up relay", 60_000);
    return {
      praxis, peer, group,
      async stop() {
        await peer.stop();
        await praxis.stop();
      },
    };
  } catch (error) {
    await peer.stop();
    await praxis.stop();
    throw error;
  }
}

/** Waits until the queue holds nothing ready, leased or delayed. */
export async function queueDrained(praxis: TestPraxis, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => {
    const s = await praxis.queue.stats();
    return s.ready + s.leased + s.delayed === 0;
  }, "the queue to drain", timeoutMs);
}

/** One post from alice relayed to `followers` members on `origins` (sink hosts). */
export async function measurePraxisFanout(setup: FanoutSetup, sinks: Sinks, origins: string[], followers: number, perInbox: number, timeoutMs: number, idleWaitMs = 2_000, options: { followersInserted?: boolean; rssBefore?: number; settleBefore?: boolean } = {}): Promise<PraxisFanoutResult> {
  const { praxis, peer, group } = setup;
  const slug = new URL(group).pathname.split("/").pop()!;
  if (!options.followersInserted) await insertFollowers(praxis, slug, origins, followers, perInbox);
  const inboxes = Math.min(origins.length, Math.ceil(followers / perInbox));
  const deliveries = 2 * inboxes;
  await sinks.reset();
  // A repeat starts from the last idle level, read just before. Otherwise,
  // when the process is to be left alone, twice: right after forced
  // collections, as a server that has just worked (the setup inserted the
  // followers) is; then settled, left alone like the idle level after it.
  const settles = (options.settleBefore ?? true) && idleWaitMs >= MEMORY_REDUCER_MS;
  const rssBeforeCollected = options.rssBefore === undefined && settles ? await idleRss() : null;
  const rssBefore = options.rssBefore ?? await idleRss(settles ? idleWaitMs : undefined);
  if (process.env.BENCH_HEAP_SNAPSHOT) {
    const { writeHeapSnapshot } = await import("node:v8");
    console.log(`heap snapshot: ${writeHeapSnapshot(`${process.env.BENCH_HEAP_SNAPSHOT}-${followers}-before.heapsnapshot`)}`);
  }
  if (process.env.BENCH_VERBOSE === "1") {
    console.log(`before: ${memoryLine()}`);
  }
  const sampler = rssSampler();
  const startedAt = Date.now();
  const start = performance.now();
  resetSqlStats();
  const ok = await profiled(`fanout-${followers}`, async () => {
    await peer.post("alice", { content: "<p>Bench post about compost</p>", mention: [group] });
    return sinks.awaitTotal(deliveries, timeoutMs);
  });
  const ms = performance.now() - start;
  const rssPeak = sampler.stop();
  printSqlStats(`the fan-out to ${followers} followers`);
  const stats = await sinks.stats();
  const memory = process.memoryUsage();
  if (process.env.BENCH_VERBOSE === "1") {
    console.log(`at peak: ${sampler.atPeak()}`);
    console.log(`first delivery after ${stats.firstAt - startedAt} ms, last after ${stats.lastAt - startedAt} ms; ` +
      `${stats.connections} connections; heap ${(memory.heapUsed / MB).toFixed(0)} MB, external ${(memory.external / MB).toFixed(0)} MB, ` +
      `array buffers ${(memory.arrayBuffers / MB).toFixed(0)} MB`);
  }
  if (!ok) throw new Error(`Fan-out: only ${(await sinks.stats()).total} of ${deliveries} deliveries within ${timeoutMs} ms`);
  await queueDrained(praxis);
  const rssIdle = await idleRss(idleWaitMs);
  if (process.env.BENCH_HEAP_SNAPSHOT) {
    const { writeHeapSnapshot } = await import("node:v8");
    console.log(`heap snapshot: ${writeHeapSnapshot(`${process.env.BENCH_HEAP_SNAPSHOT}-${followers}.heapsnapshot`)}`);
  }
  if (process.env.BENCH_VERBOSE === "1") {
    console.log(`idle: ${memoryLine()}`);
  }
  return { deliveries, ms, rate: deliveries / (ms / 1000), rssBefore, rssBeforeCollected, rssPeak, rssIdle };
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
const signedMb = (bytes: number) => `${bytes >= 0 ? "+" : ""}${(bytes / MB).toFixed(0)} MB`;

export async function runFanoutBench(options: FanoutBenchOptions): Promise<SummaryRow[]> {
  const inboxCount = Math.ceil(options.followers / options.followersPerInbox);
  console.log(`\n## Fan-out: 1 post → ${options.followers} followers on ${inboxCount} shared inboxes, each its own loopback host` +
    ` (the queue on ${fanoutWorkerThread() ? "a worker thread, as npm start runs it here" : "the benchmark's thread"}; RSS is the whole process's)`);
  const sinks = await startSinks();
  const summary: SummaryRow[] = [];
  try {
    const origins = await sinks.listen(loopbackHosts(inboxCount, 10));
    const floor = await measureFloor(sinks, origins.map((o) => `${o}/inbox`), options.floorConcurrency);
    const setup = await fanoutSetup("fanout");
    let result: PraxisFanoutResult;
    const repeats: PraxisFanoutResult[] = [];
    try {
      result = await measurePraxisFanout(setup, sinks, origins, options.followers, options.followersPerInbox, options.timeoutMs, options.idleWaitMs, { settleBefore: options.settleBefore });
      // The same fan-out again: memory kept after the first (compiled code,
      // caches, pools' high-water marks) must be reused, not added to.
      for (let i = 0; i < options.repeats; i++) {
        const last = repeats.at(-1) ?? result;
        repeats.push(await measurePraxisFanout(setup, sinks, origins, options.followers, options.followersPerInbox, options.timeoutMs, options.idleWaitMs, { followersInserted: true, rssBefore: last.rssIdle }));
      }
    } finally {
      await setup.stop();
    }
    const ratio = result.rate / floor.rate;
    printTable(["sender", "deliveries", "time", "deliveries/s", "RSS before", "peak", `${options.idleWaitMs / 1000} s after`, "vs floor"], [
      ["floor (bare Node, RSA-2048, keep-alive)", String(floor.deliveries), formatMs(floor.ms), formatRate(floor.rate, "/s"), "-", "-", "-", "1.0x"],
      ["Praxis", String(result.deliveries), formatMs(result.ms), formatRate(result.rate, "/s"),
        mb(result.rssBefore), `${mb(result.rssPeak)} (${signedMb(result.rssPeak - result.rssBefore)})`,
        `${mb(result.rssIdle)} (${signedMb(result.rssIdle - result.rssBefore)})`, formatRatio(ratio)],
    ]);
    summary.push({
      bench: "fan-out",
      case: `${options.followers} followers, ${inboxCount} inboxes`,
      value: formatRate(result.rate, "deliveries/s"),
      baseline: `${formatRate(floor.rate, "deliveries/s")} (floor)`,
      ratio,
      ratioOf: "deliveries/s Praxis / floor (target ≥ 0.5)",
    });
    const collected = result.rssBeforeCollected;
    if (collected !== null) {
      console.log(`RSS before: ${mb(collected)} right after forced collections, ${mb(result.rssBefore)} once settled (${options.idleWaitMs / 1000} s alone); ` +
        `peak ${signedMb(result.rssPeak - collected)} over the first, ${signedMb(result.rssPeak - result.rssBefore)} over the second`);
    }
    summary.push({
      bench: "memory",
      case: `fan-out to ${inboxCount} inboxes`,
      value: `peak ${signedMb(result.rssPeak - result.rssBefore)}${collected === null ? "" : ` (${signedMb(result.rssPeak - collected)} after collections)`}, ${options.idleWaitMs / 1000} s after ${signedMb(result.rssIdle - result.rssBefore)}`,
      baseline: `${mb(result.rssBefore)} RSS before${collected === null ? "" : ", settled"}`,
      ratio: (result.rssPeak - result.rssBefore) / (100 * MB),
      ratioOf: "peak RSS growth / 100 MB (target ≤ 1)",
    });
    if (repeats.length > 0) {
      const last = repeats[repeats.length - 1];
      const idles = [result, ...repeats].map((r) => signedMb(r.rssIdle - result.rssBefore));
      console.log(`Idle RSS after each of ${repeats.length + 1} fan-outs, against before the first: ${idles.join(", ")}; ` +
        `rates ${[result, ...repeats].map((r) => formatRate(r.rate, "/s")).join(", ")}`);
      summary.push({
        bench: "memory",
        case: `${repeats.length + 1} fan-outs in a row`,
        value: `idle after each ${idles.join(", ")}`,
        baseline: `${mb(result.rssIdle)} idle after the first`,
        ratio: Math.max(0, last.rssIdle - result.rssIdle) / (100 * MB),
        ratioOf: "idle RSS growth, first → last fan-out / 100 MB (≈ 0: back to the same idle)",
      });
    }

    if (options.scaling.length > 0) {
      console.log(`\n## Scaling: the same post to ${options.scaling.join(" → ")} followers (${options.followersPerInbox} per inbox)`);
      const rows: string[][] = [];
      let first: PraxisFanoutResult | null = null;
      let firstFollowers = 0;
      for (const [i, followers] of options.scaling.entries()) {
        const inboxes = Math.ceil(followers / options.followersPerInbox);
        const scaleOrigins = await sinks.listen(loopbackHosts(inboxes, 20 + i));
        const scaleSetup = await fanoutSetup(`scale${i}`);
        let r: PraxisFanoutResult;
        try {
          r = await measurePraxisFanout(scaleSetup, sinks, scaleOrigins, followers, options.followersPerInbox, options.timeoutMs);
        } finally {
          await scaleSetup.stop();
        }
        first ??= r;
        firstFollowers ||= followers;
        // Time per follower relative to the smallest case: ≤ 1 means at most linear.
        const perFollower = (r.ms / followers) / (first.ms / firstFollowers);
        rows.push([String(followers), String(inboxes), formatMs(r.ms), formatRate(r.rate, "/s"),
          signedMb(r.rssPeak - r.rssBefore), signedMb(r.rssIdle - r.rssBefore), formatRatio(perFollower)]);
        summary.push({
          bench: "scaling",
          case: `${followers} followers`,
          value: `${formatMs(r.ms)}, peak ${signedMb(r.rssPeak - r.rssBefore)}`,
          baseline: `${formatMs(first.ms)} for ${firstFollowers}`,
          ratio: perFollower,
          ratioOf: `time per follower / at ${firstFollowers} (≤ 1: linear or better)`,
        });
      }
      printTable(["followers", "inboxes", "time", "deliveries/s", "peak RSS growth", "idle after", "time/follower vs smallest"], rows);
    }
  } finally {
    await sinks.stop();
  }
  return summary;
}

if (import.meta.main) {
  await benchLogging();
  installSqlStats();
  const rows = await runFanoutBench(fanoutOptionsFromEnv(process.argv.includes("--quick")));
  printTable(["bench", "case", "measured", "baseline", "ratio", "ratio of"],
    rows.map((row) => [row.bench, row.case, row.value, row.baseline, formatRatio(row.ratio), row.ratioOf]), 2);
}
