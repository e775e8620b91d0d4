// Praxis deployed as a web process and a worker process sharing one
// database (role web, role worker), on SQLite in one data directory and on
// PostgreSQL: what the web process accepts (its inbox, its operations) the
// worker process handles and delivers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { postgresUnavailable } from "../db/databases.ts";
import { waitFor } from "../support/net.ts";
import { createThrowawaySchema, type ThrowawaySchema } from "../support/postgres.ts";
import type { TestPraxis } from "../support/praxis.ts";
import { followAndPost } from "../support/follow-and-post.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";
import { startWebAndWorker } from "../support/web-and-worker.ts";

describe.each([
  { dialect: "sqlite", address: "127.0.0.91" },
  { dialect: "postgres", address: "127.0.0.92" },
])("a web and a worker process on $dialect", ({ dialect, address }) => {
  const skip = dialect === "postgres" && postgresUnavailable !== undefined;
  let praxis: TestPraxis & { worker: { pid?: number } };
  let schema: ThrowawaySchema | undefined;
  let host: RawHost;
  let ana: RawActor;
  let group: string;

  beforeAll(async () => {
    if (skip) return;
    schema = dialect === "postgres" ? await createThrowawaySchema("webworker") : undefined;
    // The web process runs no worker: every handler below ran in the other process.
    praxis = await startWebAndWorker(schema?.url ?? null);
    host = await startRawHost(address);
    ana = await host.actor("ana");
    await createCommunity(praxis, "orchard", { name: "Orchard" });
    group = `${praxis.origin}/c/orchard`;
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    await praxis?.stop();
    await schema?.drop();
  });

  it.skipIf(skip)("answers a follow and relays a post, handled and delivered by the worker process", async () => {
    expect(praxis.config.role).toBe("web");
    expect(praxis.worker.pid).toBeGreaterThan(0);
    const note = await followAndPost(host, ana, group, "<p>Pruning day on Saturday</p>");
    await waitFor(() => host.inboxPosts((r) => r.json?.type === "Announce" && (r.json?.object as { id?: string })?.id === `${note}/activity`)[0],
      "the Announce of the Create", 20_000);
  }, 60_000);

  // The worker's inbox handlers run many at once and, on PostgreSQL, read
  // and write a post's rows in statements shared with the others of their
  // turn (src/db/batcher.ts): each post must still be stored and relayed
  // once, whatever it was batched with.
  it.skipIf(skip)("relays each post of a burst sent at once exactly once, as a Create and as a boost", async () => {
    const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
    const notes = Array.from({ length: 24 }, () => `${ana.id}/statuses/${crypto.randomUUID()}`);
    const answers = await Promise.all(notes.map((note, i) => host.send(`${group}/inbox`, {
      "@context": AS_CONTEXT, id: `${note}/activity`, type: "Create", actor: ana.id, to: [PUBLIC], cc: [group],
      object: { id: note, type: "Note", attributedTo: ana.id, to: [PUBLIC], cc: [group], content: `<p>Row ${i} pruned</p>` },
    }, ana)));
    expect(answers.map((a) => a.status)).toEqual(notes.map(() => 202));
    const boosts = () => host.inboxPosts((r) => r.json?.type === "Announce" && notes.includes(r.json?.object as string));
    const relays = () => host.inboxPosts((r) => r.json?.type === "Announce" && notes.includes((r.json?.object as { object?: { id?: string } })?.object?.id ?? ""));
    await waitFor(() => boosts().length >= notes.length && relays().length >= notes.length, "every post's boost and Announce(Create)", 30_000);
    // Nothing more arrives: each was sent once.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(boosts().map((r) => r.json?.object).sort()).toEqual([...notes].sort());
    expect(relays()).toHaveLength(notes.length);
    const community = (await praxis.services.repos.communities.findBySlug("orchard"))!;
    for (const note of notes) {
      const rows = await praxis.services.repos.posts.findByObject(note);
      expect(rows.map((r) => r.community_id)).toEqual([community.id]);
      expect(rows[0].content).toContain("pruned");
    }
    // Each boost carries the id the community claimed for it, once.
    expect(new Set(boosts().map((r) => r.json?.id)).size).toBe(notes.length);
  }, 60_000);
});
