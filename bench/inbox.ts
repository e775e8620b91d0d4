// End-to-end inbox benchmark over real signed HTTP on loopback: a Fedify peer
// (test/support/peer.ts, 2048-bit RSA like Mastodon) posts signed Create(Note)
// activities from a member to a Praxis community, BENCH_INBOX_CONCURRENCY at
// a time. Figures:
// - accepted requests/s: the sending phase, until Praxis answered every POST;
// - relays queued: until the community recorded its relays of every post
//   (community_activities rows, written when the Announces are enqueued);
// - relays delivered: until the peer received every Announce back.
// Baseline: the same peer posting the same way to a trivial Hono endpoint that
// answers 202 without looking at the request, i.e. the sender's share (building,
// signing and POSTing activities). Sender and servers share this process.
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { createCommunity } from "../src/operations/communities.ts";
import { listMembers } from "../src/operations/members.ts";
import { freePort, waitFor } from "../test/support/net.ts";
import { type Peer, startPeer } from "../test/support/peer.ts";
import { startPraxis, type TestPraxis } from "../test/support/praxis.ts";
import { envInt, formatMs, formatRate, formatRatio, printTable, type SummaryRow } from "./lib.ts";

export interface InboxBenchOptions {
  activities: number;
  concurrency: number;
}

export function inboxOptionsFromEnv(): InboxBenchOptions {
  return {
    activities: envInt("BENCH_INBOX_N", 150),
    concurrency: Math.max(1, envInt("BENCH_INBOX_CONCURRENCY", 8)),
  };
}

const WAIT_MS = 120_000;

/** Runs `count` tasks, `concurrency` at a time; resolves with the elapsed ms. */
async function runConcurrently(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await task(next++);
  }));
  return performance.now() - start;
}

/** A server that accepts anything: a Group actor document and an inbox answering 202. */
async function startTrivialInbox(): Promise<{ actor: string; stop(): Promise<void> }> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const actor = `${origin}/actor`;
  const app = new Hono();
  app.get("/actor", (c) => c.body(JSON.stringify({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: actor, type: "Group", preferredUsername: "sink", inbox: `${origin}/inbox`,
  }), 200, { "Content-Type": "application/activity+json" }));
  app.post("/inbox", (c) => c.body(null, 202));
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, () => resolve(s));
  });
  return {
    actor,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    }),
  };
}

async function relayCount(praxis: TestPraxis): Promise<number> {
  const row = await praxis.services.db.selectFrom("community_activities")
    .select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}

const announcesTo = (peer: Peer) => peer.receivedOf("Announce").length;

export async function runInboxBench(options: InboxBenchOptions = inboxOptionsFromEnv()): Promise<SummaryRow[]> {
  const { activities: n, concurrency } = options;
  console.log(`\n## Inbox: ${n} signed Create(Note) from a member, ${concurrency} in flight, Praxis on SQLite`);
  const praxis = await startPraxis();
  const peer = await startPeer({ users: ["alice"] });
  const sink = await startTrivialInbox();
  try {
    await createCommunity(praxis, "bench", { name: "Bench" });
    const group = `${praxis.origin}/c/bench`;
    await peer.follow("alice", group);
    await waitFor(async () => (await listMembers(praxis, "bench", false)).length === 1, "alice's membership", WAIT_MS);

    // Warm-up on both targets (key and actor caches), and how many relays and
    // Announces one post yields.
    const relaysBefore = await relayCount(praxis);
    const announcesBefore = announcesTo(peer);
    await peer.post("alice", { content: "warm-up", mention: [group] });
    await peer.post("alice", { content: "warm-up", mention: [sink.actor] });
    await waitFor(async () => (await relayCount(praxis)) > relaysBefore && announcesTo(peer) > announcesBefore, "the warm-up relay", WAIT_MS);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const relaysPerPost = (await relayCount(praxis)) - relaysBefore;
    const announcesPerPost = announcesTo(peer) - announcesBefore;

    // Baseline: the trivial endpoint.
    const sinkMs = await runConcurrently(n, concurrency, (i) =>
      peer.post("alice", { content: `<p>Baseline post ${i}</p>`, mention: [sink.actor] }));
    const sinkRate = n / (sinkMs / 1000);

    // Praxis.
    const relays0 = await relayCount(praxis);
    const announces0 = announcesTo(peer);
    const start = performance.now();
    const sendMs = await runConcurrently(n, concurrency, (i) =>
      peer.post("alice", { content: `<p>Post ${i} about compost</p>`, mention: [group] }));
    const acceptedRate = n / (sendMs / 1000);
    await waitFor(async () => (await relayCount(praxis)) >= relays0 + n * relaysPerPost, "every relay to be queued", WAIT_MS);
    const queuedMs = performance.now() - start;
    await waitFor(() => announcesTo(peer) >= announces0 + n * announcesPerPost, "every Announce to arrive", WAIT_MS);
    const deliveredMs = performance.now() - start;

    const ratio = acceptedRate / sinkRate;
    printTable(["target", "accepted", "relays queued after", "relays delivered after", "vs trivial endpoint"], [
      ["trivial Hono endpoint", formatRate(sinkRate, "req/s"), "-", "-", "1.0x"],
      ["Praxis community inbox", formatRate(acceptedRate, "req/s"),
        `${formatMs(queuedMs)} (${formatRate(n / (queuedMs / 1000), "posts/s")})`,
        `${formatMs(deliveredMs)} (${n * announcesPerPost} Announces)`, formatRatio(ratio)],
    ]);
    console.log(`Each post yields ${relaysPerPost} recorded relays and ${announcesPerPost} Announces to the member's inbox.`);
    return [{
      bench: "inbox",
      case: `Praxis inbox, ${concurrency} in flight`,
      value: `${formatRate(acceptedRate, "req/s")}, all relayed in ${formatMs(queuedMs)}`,
      baseline: formatRate(sinkRate, "req/s"),
      ratio,
      ratioOf: "accepted req/s Praxis / trivial endpoint",
    }];
  } finally {
    await sink.stop();
    await peer.stop();
    await praxis.stop();
  }
}

if (import.meta.main) await runInboxBench();
