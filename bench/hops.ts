// Three hops: the reference scenario of the fractal network on three Praxis
// servers (national N with two local children A and B). A member posts in
// A; N rolls it up; N's moderator promotes it (as the admin API does, in
// N's process); N announces it to its followers — carol, a direct follower,
// and B, which cascades it to its own follower bob.
// Figures, per promotion: the time until carol sees N's boost (a single
// hop, the baseline) and until bob sees B's boost (promote → N → B → bob);
// medians over BENCH_HOPS_POSTS posts. Ratio: three hops / one hop.
// Measured twice for the target: with each server in a process of its own
// (bench/hops-server.ts), as on three hosts, where B's own work is what the
// third hop adds; and with the three servers and the peer in this one
// process, where every step also waits for the others' (A's and the peer's)
// work on the same event loop. In both, alice, bob and carol are users of
// one peer, so B's fetch of alice's post waits while that server verifies
// carol's boost. A third measurement, reported beside the target's, puts
// alice on a server of her own (bench/hops-author.ts, its own process), as
// when the author and the readers are on different hosts. Two more are the
// target's baselines, each with a server in B's place (bench/hops-sibling.ts)
// that boosts N's announce to bob as soon as it is verified, with nothing
// fetched, checked, stored or queued: the floor, written by hand with
// node:crypto (it verifies the announce's HTTP signature and POSTs a plain
// boost at once), and stock Fedify doing the same with its own inbox and
// sendActivity.
import { waitFor } from "../test/support/net.ts";
import { type Peer, type Received, startPeer } from "../test/support/peer.ts";
import { startPraxis } from "../test/support/praxis.ts";
import { forkChild } from "./child.ts";
import { type HopsPlace, HopsServer, remoteServer } from "./hops-places.ts";
import { envInt, formatMs, formatRatio, percentile, printTable, profiledWindows, type SummaryRow } from "./lib.ts";
import { installSqlStats, printSqlStats, recordSqlStats, resetSqlStats } from "./sql-stats.ts";

export interface HopsBenchOptions {
  posts: number;
  deployments: Deployment[];
}

export function hopsOptionsFromEnv(quick: boolean): HopsBenchOptions {
  return { posts: envInt("BENCH_HOPS_POSTS", quick ? 5 : 15), deployments: deploymentsFromEnv(quick) };
}

interface Place {
  server: HopsPlace;
  slug: string;
  uri: string;
}

async function place(server: HopsPlace, slug: string, scale: string): Promise<Place> {
  return { server, slug, uri: await server.createCommunity(slug, scale) };
}

/** child ⊂ parent through the real handshake (the child asks, the parent's moderator approves). */
async function link(parent: Place, child: Place): Promise<void> {
  await child.server.requestParent(child.slug, parent.uri);
  const request = await waitFor(() => parent.server.incomingRequest(parent.slug, child.uri), `${parent.slug} to receive the link request`, 60_000);
  await parent.server.approveLink(parent.slug, request);
  await waitFor(async () => (await parent.server.linkStatus(parent.slug, child.uri)) === "active"
    && (await child.server.linkStatus(child.slug, parent.uri)) === "active", `${child.slug} ⊂ ${parent.slug}`, 60_000);
}

/** When `user` first received a boost of `noteId` from `actor` (Date.now() when seen). */
function boostSeen(peer: Peer, user: string, actor: string, noteId: string): Received | undefined {
  return peer.received.find((r) => r.type === "Announce" && r.actor === actor && r.json?.object === noteId
    && (r.recipient === user || r.recipient?.includes(`/${user}`)));
}

type Deployment = "processes" | "one process" | "author apart" | "stock sibling" | "floor sibling";

/** The deployments with a baseline in B's place (bench/hops-sibling.ts), and its mode there. */
const BASELINE_MODE: Partial<Record<Deployment, "stock" | "floor">> = { "stock sibling": "stock", "floor sibling": "floor" };

/** How each deployment is named in the tables. */
const WHERE: Record<Deployment, string> = {
  "processes": "a process per server",
  "floor sibling": "a process per server, a bare Node relay as B",
  "stock sibling": "a process per server, stock Fedify as B",
  "one process": "all in one process",
  "author apart": "a process per server, the author's apart",
};

/** What each deployment's ratio is, in the summary. */
const RATIO_OF: Record<Deployment, string> = {
  "processes": "three hops / one hop (target ≤ 1.5)",
  "one process": "three hops / one hop (target ≤ 1.5)",
  "author apart": "three hops / one hop (beside the target: alice on a server of her own)",
  "stock sibling": "three hops / one hop (baseline: stock Fedify as B, checking and storing nothing)",
  "floor sibling": "three hops / one hop (floor: B verifies with node:crypto and POSTs the boost at once)",
};

/** What the benchmark asks of alice's server: the shared peer, or one of her own in a process of its own. */
interface AuthorServer {
  follow(user: string, target: string): Promise<unknown>;
  post(user: string, options: { content: string; mention: string[] }): Promise<{ noteId: string }>;
  accepts(): Promise<number>;
  stop(): Promise<void>;
}

function authorApart(): AuthorServer {
  const child = forkChild(new URL("./hops-author.ts", import.meta.url));
  return {
    follow: (user, target) => child.call("follow", user, target),
    post: (user, options) => child.call("post", user, options),
    accepts: () => child.call("accepts"),
    stop: () => child.stop(),
  };
}

async function startServers(deployment: Deployment): Promise<HopsPlace[]> {
  if (BASELINE_MODE[deployment]) return Promise.all([remoteServer(), remoteServer()]);
  if (deployment !== "one process") return Promise.all([remoteServer(), remoteServer(), remoteServer()]);
  return [new HopsServer(await startPraxis({ queue: {} })), new HopsServer(await startPraxis({ queue: {} })), new HopsServer(await startPraxis({ queue: {} }))];
}

/** B, as bob's boost comes from it: its actor, the Accepts the peer then waits for, and how it stops. */
interface Sibling {
  uri: string;
  accepts: number;
  stop?: () => Promise<void>;
}

/** B as the target has it: a Praxis community linked as N's child, which bob follows. */
async function praxisSibling(server: HopsPlace, national: Place, peer: Peer): Promise<Sibling> {
  const b = await place(server, "local-b", "local");
  await link(national, b);
  await peer.follow("bob", b.uri);
  return { uri: b.uri, accepts: 3 };
}

/** A baseline in B's place: the floor relay or stock Fedify, following N and boosting what N announces to bob (bench/hops-sibling.ts). */
async function baselineSibling(nationalUri: string, bobUri: string, how: "stock" | "floor"): Promise<Sibling> {
  const child = forkChild(new URL("./hops-sibling.ts", import.meta.url));
  try {
    const uri = await child.call<string>("uri");
    await child.call("relayTo", bobUri, how);
    await child.call("follow", nationalUri);
    await waitFor(async () => (await child.call<number>("accepted")) >= 1, `N's Accept of the ${how} sibling`, 60_000);
    return { uri, accepts: 2, stop: () => child.stop() };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

async function measureHops(deployment: Deployment, options: HopsBenchOptions): Promise<{ oneHop: number[]; threeHops: number[] }> {
  const servers = await startServers(deployment);
  let siblingStop: (() => Promise<void>) | undefined;
  // Users without a shared inbox: each receives (and is timed) on their own inbox.
  const peer = await startPeer({ users: ["alice", "bob", "carol"], sharedInbox: false });
  const author: AuthorServer = deployment === "author apart" ? authorApart() : {
    follow: (user, target) => peer.follow(user, target),
    post: (user, options) => peer.post(user, options),
    accepts: async () => 0,
    stop: async () => {},
  };
  try {
    const national = await place(servers[0], "national", "national");
    const a = await place(servers[1], "local-a", "local");
    await link(national, a);
    // B: a Praxis community linked as N's child, which bob follows; or a
    // baseline following N and boosting to bob.
    const baseline = BASELINE_MODE[deployment];
    const b = baseline
      ? await baselineSibling(national.uri, peer.userUri("bob"), baseline)
      : await praxisSibling(servers[2], national, peer);
    siblingStop = b.stop;
    await author.follow("alice", a.uri);
    await peer.follow("carol", national.uri);
    await waitFor(async () => peer.receivedOf("Accept").length + await author.accepts() >= b.accepts, `the ${b.accepts} Accepts`, 60_000);
    // When each activity reached the peer, not when the poll below noticed.
    const arrived = new WeakMap<Received, number>();
    const push = peer.received.push.bind(peer.received);
    peer.received.push = (...items: Received[]) => {
      for (const item of items) arrived.set(item, Date.now());
      return push(...items);
    };
    const arrival = (r: Received) => arrived.get(r) ?? Date.now();

    const oneHop: number[] = [];
    const threeHops: number[] = [];
    // With BENCH_CPU_PROFILE and BENCH_SQL_STATS, all in one process: every
    // promotion, from its start until bob's boost is seen (polled every 50 ms).
    const profile = deployment === "one process" ? await profiledWindows("hops-one-process") : null;
    // A process per server: each server's own, PREFIX-hops-<deployment>-<community>.cpuprofile.
    // (Of each child's main thread: with BENCH_HOPS_WORKER_THREAD=1 its queue's work is on another thread, not in them.)
    const slugs = ["national", "local-a", "local-b"];
    const remote = deployment !== "one process" && (process.env.BENCH_CPU_PROFILE || process.env.BENCH_SQL_STATS === "1")
      ? servers.flatMap((s, i) => (s.profile ? [{ profile: s.profile, label: `hops-${deployment.replace(/ /g, "-")}-${slugs[i]}` }] : []))
      : [];
    await Promise.all(remote.map(({ profile, label }) => profile.start(label)));
    const sqlStats = deployment === "one process" && installSqlStats();
    resetSqlStats();
    recordSqlStats(false);
    for (let i = 0; i < options.posts + 1; i++) {
      const { noteId } = await author.post("alice", { content: `<p>Method ${i} for peer reviews</p>`, mention: [a.uri] });
      await waitFor(() => national.server.holds(national.slug, noteId), "the roll-up", 60_000);
      // Quiet before each promotion: the roll-up's own deliveries are done.
      await new Promise((r) => setTimeout(r, 100));
      if (i > 0) {
        profile?.open();
        await Promise.all(remote.map(({ profile }) => profile.open()));
        recordSqlStats(true);
      }
      const start = await national.server.promote(national.slug, noteId);
      const carolAt = arrival(await waitFor(() => boostSeen(peer, "carol", national.uri, noteId), "carol's boost", 60_000));
      const bobAt = arrival(await waitFor(() => boostSeen(peer, "bob", b.uri, noteId), "bob's boost", 60_000));
      if (i > 0) {
        profile?.close();
        await Promise.all(remote.map(({ profile }) => profile.close()));
        recordSqlStats(false);
      }
      // The first round warms up every path.
      if (i === 0) continue;
      oneHop.push(carolAt - start);
      threeHops.push(bobAt - start);
    }
    await profile?.finish();
    await Promise.all(remote.map(({ profile }) => profile.finish()));
    if (sqlStats) printSqlStats(`the ${options.posts} promotions, all in one process`);
    recordSqlStats(true);
    return { oneHop, threeHops };
  } finally {
    await siblingStop?.();
    await author.stop();
    await peer.stop();
    for (const server of servers) await server.stop();
  }
}

/**
 * The deployments measured: those BENCH_HOPS_ONLY names (comma-separated),
 * else all, or in a quick run the target's (a process per server) and its floor.
 */
function deploymentsFromEnv(quick: boolean): Deployment[] {
  const all = Object.keys(WHERE) as Deployment[];
  const only = process.env.BENCH_HOPS_ONLY;
  if (!only) return quick ? ["processes", "floor sibling"] : all;
  const named = only.split(",").map((name) => name.trim());
  for (const name of named) {
    if (!(all as string[]).includes(name)) throw new Error(`BENCH_HOPS_ONLY: expected some of ${all.join(", ")}; got ${name}`);
  }
  return named as Deployment[];
}

export async function runHopsBench(options: HopsBenchOptions): Promise<SummaryRow[]> {
  console.log(`\n## Three hops: promotion on a national community → a sibling local community's follower (${options.posts} posts)`);
  const rows: SummaryRow[] = [];
  const table: string[][] = [];
  // Each server in a process of its own, as on three hosts; then B replaced
  // by the floor and by stock Fedify; then all of them and the peer in this
  // one process, where every step waits for every other; then a process per
  // server again, with the author on a server of her own.
  for (const deployment of options.deployments) {
    const { oneHop, threeHops } = await measureHops(deployment, options);
    oneHop.sort((x, y) => x - y);
    threeHops.sort((x, y) => x - y);
    const one = percentile(oneHop, 50);
    const three = percentile(threeHops, 50);
    const ratio = three / one;
    const where = WHERE[deployment];
    table.push(
      [`${where}: promote → national's follower (one hop)`, formatMs(one), formatMs(percentile(oneHop, 90)), "1.0x"],
      [`${where}: promote → national → local B → B's follower`, formatMs(three), formatMs(percentile(threeHops, 90)), formatRatio(ratio)],
    );
    rows.push({
      bench: "three hops",
      case: `${where}, median of ${options.posts} promotions`,
      value: formatMs(three),
      baseline: `${formatMs(one)} (one hop)`,
      ratio,
      ratioOf: RATIO_OF[deployment],
    });
  }
  printTable(["path", "median", "p90", "vs one hop"], table);
  return rows;
}

if (import.meta.main) {
  const { benchLogging } = await import("./logging.ts");
  await benchLogging();
  await runHopsBench(hopsOptionsFromEnv(process.argv.includes("--quick")));
  process.exit(0);
}
