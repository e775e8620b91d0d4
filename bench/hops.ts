// Three hops: the reference scenario of the fractal network on three Praxis
// servers (national N with two local children A and B). A member posts in
// A; N rolls it up; N's moderator promotes it (as the admin API does, in
// N's process); N announces it to its followers — carol, a direct follower,
// and B, which cascades it to its own follower bob.
// Figures, per promotion: the time until carol sees N's boost (a single
// hop, the baseline) and until bob sees B's boost (promote → N → B → bob);
// medians over BENCH_HOPS_POSTS posts. Ratio: three hops / one hop.
import { createCommunity } from "../src/operations/communities.ts";
import { approveLink, listRequests, promotePost, requestParent } from "../src/operations/links.ts";
import { waitFor } from "../test/support/net.ts";
import { type Peer, type Received, startPeer } from "../test/support/peer.ts";
import { startPraxis, type TestPraxis } from "../test/support/praxis.ts";
import { envInt, formatMs, formatRatio, percentile, printTable, type SummaryRow } from "./lib.ts";

const MODERATOR = "bench:moderator";

export interface HopsBenchOptions {
  posts: number;
}

export function hopsOptionsFromEnv(quick: boolean): HopsBenchOptions {
  return { posts: envInt("BENCH_HOPS_POSTS", quick ? 5 : 15) };
}

interface Place {
  server: TestPraxis;
  slug: string;
  uri: string;
}

async function place(server: TestPraxis, slug: string, scale: string): Promise<Place> {
  await createCommunity(server, slug, { name: slug, scale });
  return { server, slug, uri: `${server.origin}/c/${slug}` };
}

async function linkStatus(p: Place, peer: Place): Promise<string | null> {
  const c = await p.server.services.repos.communities.findBySlug(p.slug);
  return (await p.server.services.repos.links.get(c!.id, peer.uri))?.status ?? null;
}

/** child ⊂ parent through the real handshake (the child asks, the parent's moderator approves). */
async function link(parent: Place, child: Place): Promise<void> {
  await requestParent(child.server, child.slug, parent.uri, MODERATOR);
  const request = await waitFor(async () => (await listRequests(parent.server, parent.slug))
    .find((r) => r.peer === child.uri && r.status === "incoming"), `${parent.slug} to receive the link request`, 60_000);
  await approveLink(parent.server, parent.slug, request.id, MODERATOR);
  await waitFor(async () => (await linkStatus(parent, child)) === "active" && (await linkStatus(child, parent)) === "active",
    `${child.slug} ⊂ ${parent.slug}`, 60_000);
}

/** When `user` first received a boost of `noteId` from `actor` (Date.now() when seen). */
function boostSeen(peer: Peer, user: string, actor: string, noteId: string): Received | undefined {
  return peer.received.find((r) => r.type === "Announce" && r.actor === actor && r.json?.object === noteId
    && (r.recipient === user || r.recipient?.includes(`/${user}`)));
}

export async function runHopsBench(options: HopsBenchOptions): Promise<SummaryRow[]> {
  console.log(`\n## Three hops: promotion on a national community → a sibling local community's follower (${options.posts} posts)`);
  const servers = [await startPraxis({ queue: {} }), await startPraxis({ queue: {} }), await startPraxis({ queue: {} })];
  // Users without a shared inbox: each receives (and is timed) on their own inbox.
  const peer = await startPeer({ users: ["alice", "bob", "carol"], sharedInbox: false });
  try {
    const national = await place(servers[0], "national", "national");
    const a = await place(servers[1], "local-a", "local");
    const b = await place(servers[2], "local-b", "local");
    await link(national, a);
    await link(national, b);
    await peer.follow("alice", a.uri);
    await peer.follow("bob", b.uri);
    await peer.follow("carol", national.uri);
    await waitFor(() => peer.receivedOf("Accept").length >= 3, "the three Accepts", 60_000);
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
    for (let i = 0; i < options.posts + 1; i++) {
      const { noteId } = await peer.post("alice", { content: `<p>Method ${i} for peer reviews</p>`, mention: [a.uri] });
      const community = await national.server.services.repos.communities.findBySlug(national.slug);
      await waitFor(() => national.server.services.repos.networkPosts.find(community!.id, noteId), "the roll-up", 60_000);
      const start = Date.now();
      await promotePost(national.server, national.slug, noteId, MODERATOR);
      const carolAt = arrival(await waitFor(() => boostSeen(peer, "carol", national.uri, noteId), "carol's boost", 60_000));
      const bobAt = arrival(await waitFor(() => boostSeen(peer, "bob", b.uri, noteId), "bob's boost", 60_000));
      // The first round warms up every path.
      if (i === 0) continue;
      oneHop.push(carolAt - start);
      threeHops.push(bobAt - start);
    }
    oneHop.sort((x, y) => x - y);
    threeHops.sort((x, y) => x - y);
    const one = percentile(oneHop, 50);
    const three = percentile(threeHops, 50);
    const ratio = three / one;
    printTable(["path", "median", "p90", "vs one hop"], [
      ["promote → national's follower (one hop)", formatMs(one), formatMs(percentile(oneHop, 90)), "1.0x"],
      ["promote → national → local B → B's follower", formatMs(three), formatMs(percentile(threeHops, 90)), formatRatio(ratio)],
    ]);
    return [{
      bench: "three hops",
      case: `median of ${options.posts} promotions`,
      value: formatMs(three),
      baseline: `${formatMs(one)} (one hop)`,
      ratio,
      ratioOf: "three hops / one hop (target ≤ 1.5)",
    }];
  } finally {
    await peer.stop();
    for (const server of servers) await server.stop();
  }
}

if (import.meta.main) {
  const { benchLogging } = await import("./logging.ts");
  await benchLogging();
  await runHopsBench(hopsOptionsFromEnv(process.argv.includes("--quick")));
  process.exit(0);
}
