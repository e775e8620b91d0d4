// The fractal network: links between communities (across servers), the
// content that flows along them, per-community network settings, and a
// cache of the remote Groups shown in the network view.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("community_links")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("community_id", "text", (c) => c.notNull())
    // The other Group's actor URI (it may live on this server too).
    .addColumn("peer_uri", "text", (c) => c.notNull())
    // "parent": the peer is our parent; "child": the peer is our sub-community.
    .addColumn("relation", "text", (c) => c.notNull())
    // incoming: awaiting our moderators; outgoing: awaiting theirs;
    // accepted: we agreed, not yet confirmed by the peer's own collection;
    // active: both collections list the link (verified from each origin).
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("initiator", "text", (c) => c.notNull())
    // The Add activity that asked for the link.
    .addColumn("request_uri", "text")
    .addColumn("verified_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("community_links_pair", ["community_id", "peer_uri"])
    .execute();
  await db.schema.createIndex("community_links_peer_idx").on("community_links").column("peer_uri").execute();

  await db.schema
    .createTable("link_settings")
    .addColumn("community_id", "text", (c) => c.primaryKey())
    // Re-announce what a parent announces as its own (default on).
    .addColumn("cascade", "integer", (c) => c.notNull().defaultTo(1))
    // JSON array of hosts or Group URIs whose link requests need no moderator.
    .addColumn("auto_approve", "text", (c) => c.notNull().defaultTo("[]"))
    // JSON array of hashtags (lower case, no #) that promote rolled-up posts.
    .addColumn("promote_tags", "text", (c) => c.notNull().defaultTo("[]"))
    .execute();

  await db.schema
    .createTable("network_posts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("community_id", "text", (c) => c.notNull())
    .addColumn("object_uri", "text", (c) => c.notNull())
    // The linked Group it came from, and whether from a child ("up") or a parent ("down").
    .addColumn("via_uri", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("author_uri", "text")
    .addColumn("name", "text")
    .addColumn("content", "text")
    .addColumn("url", "text")
    .addColumn("tags", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("published", "text")
    .addColumn("received_at", "text", (c) => c.notNull())
    .addColumn("promoted_at", "text")
    .addColumn("withdrawn_at", "text")
    .addUniqueConstraint("network_posts_object", ["community_id", "object_uri"])
    .execute();
  await db.schema.createIndex("network_posts_object_idx").on("network_posts").column("object_uri").execute();

  await db.schema
    .createTable("network_nodes")
    .addColumn("uri", "text", (c) => c.primaryKey())
    .addColumn("handle", "text")
    .addColumn("name", "text")
    .addColumn("url", "text")
    .addColumn("scale", "text")
    .addColumn("closed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("members", "integer")
    // JSON arrays of Group URIs, as the Group's own collections list them.
    .addColumn("parents", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("children", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("fetched_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["network_nodes", "network_posts", "link_settings", "community_links"]) {
    await db.schema.dropTable(t).execute();
  }
}
