// The inbox under a burst: BENCH_INBOX_N signed Create(Note) posts from 10
// members of a community, sent by a Mastodon-shaped server in a child
// process (bench/sender.ts), BENCH_INBOX_CONCURRENCY at a time.
//
// - Accept: how fast Praxis answers 202, against the floor — a bare Hono
//   endpoint that verifies the HTTP signature (key fetched once), parses
//   the JSON and inserts one row in SQLite.
// - Processing: how fast Praxis relays the posts (Announce and boost back to
//   the members' server), from the first POST to the last relay received,
//   against the rate at which stock Fedify (its in-memory KV and queue, a
//   no-op inbox listener) accepts the same burst.
// Also counted: the GETs Praxis made of the members' server during the
// burst (a stored copy should answer all of them).
// On SQLite in one process as `npm start` runs it (this thread accepts, a
// worker thread at a lower priority relays), on SQLite with a web process
// (this one, which accepts) and a worker process (which relays), and, unless
// BENCH_POSTGRES=0 or the server is unreachable, on PostgreSQL with a web
// and a worker process. BENCH_CPU_PROFILE and BENCH_SQL_STATS see this
// thread only; BENCH_WORKER_CPU_PROFILE profiles the worker processes;
// BENCH_INBOX_DEPLOYMENTS=npm-start,sqlite-2,postgres picks deployments.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createFederation, InProcessMessageQueue, MemoryKvStore } from "@fedify/fedify";
import { Create, Group } from "@fedify/vocab";
import { serve, type ServerType } from "@hono/node-server";
import SQLite from "better-sqlite3";
import { Hono } from "hono";
import { createCommunity } from "../src/operations/communities.ts";
import { freePort, waitFor } from "../test/support/net.ts";
import { addMembers } from "../test/support/members.ts";
import { startPraxis, type TestPraxis } from "../test/support/praxis.ts";
import { queueDrained } from "./fanout.ts";
import { publicKeyFetcher, verifyCavage } from "./floor.ts";
import { envInt, formatMs, formatRate, formatRatio, printTable, profiled, type SummaryRow } from "./lib.ts";
import { type Sender, startSender } from "./senders.ts";
import { startPostgresWebAndWorker, startSqliteWebAndWorker } from "./postgres.ts";
import { printSqlStats, resetSqlStats } from "./sql-stats.ts";

export interface InboxBenchOptions {
  posts: number;
  concurrency: number;
  timeoutMs: number;
}

export function inboxOptionsFromEnv(quick: boolean): InboxBenchOptions {
  return {
    posts: envInt("BENCH_INBOX_N", quick ? 1000 : 5000),
    concurrency: Math.max(1, envInt("BENCH_INBOX_CONCURRENCY", 16)),
    timeoutMs: envInt("BENCH_INBOX_TIMEOUT_MS", 600_000),
  };
}

const WARM_UP = 40;

interface Target {
  inbox: string;
  group: string;
  stop(): Promise<void>;
}

function listen(app: { fetch: (request: Request) => Response | Promise<Response> }, port: number): Promise<ServerType> {
  return new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, () => resolve(s));
  });
}

function close(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

/** The floor: verify the draft-cavage signature (key fetched once), parse, insert one row, 202. */
async function startFloor(): Promise<Target & { rows(): number }> {
  const dir = mkdtempSync(path.join(tmpdir(), "praxis-bench-floor-"));
  const db = new SQLite(path.join(dir, "floor.sqlite"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("create table inbox (id text primary key, actor text not null, json text not null, received_at integer not null)");
  const insert = db.prepare("insert or ignore into inbox values (?, ?, ?, ?)");
  const keyOf = publicKeyFetcher();
  const app = new Hono();
  app.post("/inbox", async (c) => {
    const body = await c.req.text();
    if (!(await verifyCavage(new URL(c.req.url), (name) => c.req.header(name), body, keyOf))) return c.body(null, 401);
    const activity = JSON.parse(body) as { id: string; actor: string };
    insert.run(activity.id, activity.actor, body, Date.now());
    return c.body(null, 202);
  });
  const port = await freePort();
  const server = await listen(app, port);
  const origin = `http://127.0.0.1:${port}`;
  return {
    inbox: `${origin}/inbox`,
    group: `${origin}/group`,
    rows: () => (db.prepare("select count(*) as n from inbox").get() as { n: number }).n,
    async stop() {
      await close(server);
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Stock Fedify: in-memory KV and queue, a Group, a no-op inbox listener. */
async function startStockFedify(): Promise<Target & { handled(): number }> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const federation = createFederation<void>({ kv: new MemoryKvStore(), queue: new InProcessMessageQueue(), allowPrivateAddress: true, origin });
  const keys = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true, ["sign", "verify"]) as CryptoKeyPair;
  federation.setActorDispatcher("/users/{identifier}", async (ctx, identifier) => identifier !== "group" ? null : new Group({
    id: ctx.getActorUri(identifier), preferredUsername: identifier, inbox: ctx.getInboxUri(identifier),
    publicKey: (await ctx.getActorKeyPairs(identifier))[0].cryptographicKey,
  })).setKeyPairsDispatcher(() => [keys]);
  let handled = 0;
  federation.setInboxListeners("/users/{identifier}/inbox", "/inbox").on(Create, () => { handled++; });
  const server = await listen({ fetch: (request: Request) => federation.fetch(request, { contextData: undefined }) }, port);
  return {
    inbox: `${origin}/users/group/inbox`,
    group: `${origin}/users/group`,
    handled: () => handled,
    stop: () => close(server),
  };
}

interface AcceptResult {
  rate: number;
  ms: number;
  refused: number;
}

async function burst(sender: Sender, target: Target, n: number, concurrency: number, tag: string): Promise<AcceptResult> {
  const { ms, statuses } = await sender.burst(target.inbox, target.group, n, concurrency, tag);
  const refused = Object.entries(statuses).filter(([status]) => !status.startsWith("2")).reduce((t, [, c]) => t + c, 0);
  return { rate: n / (ms / 1000), ms, refused };
}

/** The burst against one Praxis deployment: its accept rate against the floor's, its relay rate against stock Fedify's accept rate. */
async function measurePraxis(praxis: TestPraxis, sender: Sender, label: string, floorResult: AcceptResult, stockResult: AcceptResult, options: InboxBenchOptions): Promise<SummaryRow[]> {
  const { posts: n, concurrency } = options;
  await createCommunity(praxis, "burst", { name: "Burst" });
  await addMembers(praxis, "burst", sender.actors.map((a) => ({ uri: a.id, inbox: a.inbox, sharedInbox: a.sharedInbox })));
  const target = { inbox: `${praxis.origin}/c/burst/inbox`, group: `${praxis.origin}/c/burst`, stop: async () => {} };
  await burst(sender, target, WARM_UP, concurrency, "praxis-warm");
  await sender.awaitReceived("Announce", 2 * WARM_UP, 120_000);
  await queueDrained(praxis);
  await sender.reset();
  resetSqlStats();
  const startedAt = Date.now();
  const { accept, relayed } = await profiled(`inbox-praxis${label.replace(/[^a-z]+/gi, "-").toLowerCase().replace(/-$/, "")}`, async () => {
    const accept = await burst(sender, target, n, concurrency, "praxis");
    const relayed = await sender.awaitReceived("Announce", 2 * n, options.timeoutMs);
    return { accept, relayed };
  });
  if (!relayed.ok) throw new Error(`Inbox${label}: only ${relayed.count / 2} of ${n} posts relayed within ${options.timeoutMs} ms`);
  if (!label) printSqlStats(`the burst of ${n} posts`);
  const relayMs = relayed.lastAt - startedAt;
  const relayRate = n / (relayMs / 1000);
  const { gets } = await sender.stats();
  const getCount = Object.values(gets).reduce((a, b) => a + b, 0);
  await queueDrained(praxis);

  const acceptRatio = accept.rate / floorResult.rate;
  const processRatio = relayRate / stockResult.rate;
  printTable(["target", "accepted", "refused", "relayed (all Announces received)", "GETs of the sender", "ratio"], [
    ["floor: Hono verify + parse + insert", formatRate(floorResult.rate, "req/s"), String(floorResult.refused), "-", "-", "1.0x"],
    ["stock Fedify (accept)", formatRate(stockResult.rate, "req/s"), String(stockResult.refused), "-", "-", "-"],
    [`Praxis${label}`, formatRate(accept.rate, "req/s"), String(accept.refused), `${formatMs(relayMs)} (${formatRate(relayRate, "posts/s")})`,
      String(getCount), `accept ${formatRatio(acceptRatio)} of floor; relay ${formatRatio(processRatio)} of stock accept`],
  ]);
  const where = label ? ", web + worker" : "";
  return [{
    bench: `inbox accept${label}`,
    case: `${n} posts, ${concurrency} in flight${where}`,
    value: formatRate(accept.rate, "req/s"),
    baseline: `${formatRate(floorResult.rate, "req/s")} (Hono verify+parse+insert)`,
    ratio: acceptRatio,
    ratioOf: "202/s Praxis / floor (target ≥ 0.5)",
  }, {
    bench: `inbox processing${label}`,
    case: `${n} posts from 10 members${where}`,
    value: `${formatRate(relayRate, "posts relayed/s")}, ${getCount} GETs`,
    baseline: `${formatRate(stockResult.rate, "req/s")} (stock Fedify accept)`,
    ratio: processRatio,
    ratioOf: "relayed/s Praxis / stock Fedify accepted/s (target ≥ 1)",
  }];
}

export async function runInboxBench(options: InboxBenchOptions): Promise<SummaryRow[]> {
  const { posts: n, concurrency } = options;
  console.log(`\n## Inbox: a burst of ${n} signed Create(Note) from 10 members, ${concurrency} in flight (the sender runs in its own process)`);
  const sender = await startSender(10, "127.40.0.1");
  const summary: SummaryRow[] = [];
  try {
    // The floor.
    const floor = await startFloor();
    let floorResult: AcceptResult;
    try {
      await burst(sender, floor, WARM_UP, concurrency, "floor-warm");
      floorResult = await burst(sender, floor, n, concurrency, "floor");
    } finally {
      await floor.stop();
    }

    // Stock Fedify.
    const stock = await startStockFedify();
    let stockResult: AcceptResult;
    try {
      await burst(sender, stock, WARM_UP, concurrency, "stock-warm");
      stockResult = await profiled("inbox-stock", () => burst(sender, stock, n, concurrency, "stock"));
      // Its in-process queue goes on parsing the accepted activities after
      // the burst: let it finish, or that work would run during (and be
      // counted against) Praxis's measurement below, in this same process.
      const stockDone = Date.now();
      await waitFor(() => stock.handled() >= WARM_UP + n, "stock Fedify's queue to drain", options.timeoutMs);
      console.log(`stock Fedify's queue handled the burst ${formatMs(Date.now() - stockDone)} after its last 202`);
    } finally {
      await stock.stop();
    }

    // Praxis (no per-host inbox rate limit: one sender posts the whole burst),
    // one process on SQLite; then, unless BENCH_POSTGRES=0 or the server is
    // unreachable, a web and a worker process on PostgreSQL.
    // BENCH_INBOX_DEPLOYMENTS (npm-start,sqlite-2,postgres) picks some of them.
    const deployments: { name: string; label: string; start: () => Promise<TestPraxis | null> }[] = [
      // As `npm start` runs it: the web server on this thread, the queue worker on a thread of its own.
      { name: "npm-start", label: "", start: () => startPraxis({ queue: {}, limits: { inboxRequestsPerWindow: 0 } }, { workerThread: true }) },
      // The same SQLite database with a web and a worker process (role web and
      // role worker), as an operator can run them to use two cores.
      { name: "sqlite-2", label: " (SQLite, 2 processes)", start: () => startSqliteWebAndWorker({ limits: { inboxRequestsPerWindow: 0 } }) },
    ];
    if (process.env.BENCH_POSTGRES !== "0") {
      deployments.push({ name: "postgres", label: " (PostgreSQL)", start: () => startPostgresWebAndWorker({ limits: { inboxRequestsPerWindow: 0 } }) });
    }
    const chosen = process.env.BENCH_INBOX_DEPLOYMENTS?.split(",").map((name) => name.trim()).filter(Boolean);
    for (const deployment of deployments) {
      if (chosen && !chosen.includes(deployment.name)) continue;
      const praxis = await deployment.start();
      if (!praxis) continue;
      try {
        summary.push(...await measurePraxis(praxis, sender, deployment.label, floorResult, stockResult, options));
      } finally {
        await praxis.stop();
      }
    }
  } finally {
    await sender.stop();
  }
  return summary;
}

if (import.meta.main) {
  const { benchLogging } = await import("./logging.ts");
  await benchLogging();
  await runInboxBench(inboxOptionsFromEnv(process.argv.includes("--quick")));
  process.exit(0);
}
