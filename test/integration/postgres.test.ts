// The same federation on PostgreSQL (the scale-out database): a Praxis
// server on a fresh PostgreSQL schema relays a member's post and links with
// a Praxis server on SQLite, through the same repositories and queue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promotePost } from "../../src/operations/links.ts";
import { postgresUnavailable } from "../db/databases.ts";
import { waitFor } from "../support/net.ts";
import { boostsOf, community, link, TEST_ACTOR } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { createThrowawaySchema, type ThrowawaySchema } from "../support/postgres.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

describe.skipIf(postgresUnavailable !== undefined)("a Praxis server on PostgreSQL", () => {
  let onPostgres: TestPraxis;
  let onSqlite: TestPraxis;
  let peer: Peer;
  let schema: ThrowawaySchema;

  beforeAll(async () => {
    schema = await createThrowawaySchema("it");
    onPostgres = await startPraxis({ database: { driver: "postgres", url: schema.url, poolSize: 5 } });
    onSqlite = await startPraxis();
    peer = await startPeer({ users: ["alice", "bob"] });
  });

  afterAll(async () => {
    await peer?.stop();
    await onPostgres?.stop();
    await onSqlite?.stop();
    await schema?.drop();
  });

  it("relays a member's post, links across servers and cascades a promotion", async () => {
    expect(onPostgres.services.dialect).toBe("postgres");
    const region = await community(onPostgres, "region", { scale: "regional" });
    const town = await community(onSqlite, "town");
    const village = await community(onPostgres, "village");
    await link(region, town);
    await link(region, village, "invite");

    await peer.follow("alice", town.uri);
    await peer.follow("bob", village.uri);
    await waitFor(() => peer.receivedOf("Accept").length >= 2, "both follows accepted");
    const { noteId } = await peer.post("alice", { content: "From the town", mention: [town.uri] });
    await waitFor(() => boostsOf(peer.received, noteId).get(town.uri), "Town to relay Alice's post");
    const regionRow = await onPostgres.services.repos.communities.findBySlug("region");
    await waitFor(() => onPostgres.services.repos.networkPosts.find(regionRow!.id, noteId), "Region to roll it up");
    await promotePost(onPostgres, "region", noteId, TEST_ACTOR);
    await waitFor(() => boostsOf(peer.received, noteId).get(village.uri), "Village to cascade the promotion");
    expect(boostsOf(peer.received, noteId).get(village.uri)).toBe(1);
  });
});
