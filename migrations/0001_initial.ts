// Initial schema. Written with Kysely's schema builder so that the same
// migration runs on SQLite (default) and PostgreSQL (scale-out).
// Identifiers are text (UUIDs or URIs) and timestamps ISO-8601 text, so no
// dialect-specific auto-increment or timestamp types are needed; the queue
// and key-value tables use integer milliseconds because they are compared
// and sorted on every poll.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("communities")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("scale", "text", (c) => c.notNull().defaultTo("local"))
    .addColumn("stream", "text")
    .addColumn("languages", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("closed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("posting_policy", "text", (c) => c.notNull().defaultTo("members"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    // A deleted community stays as a tombstone so its slug is never reused
    // and its actor URL answers 410 Gone.
    .addColumn("deleted_at", "text")
    .execute();

  await db.schema
    .createTable("actor_keys")
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("algorithm", "text", (c) => c.notNull())
    .addColumn("private_jwk", "text", (c) => c.notNull())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("actor_keys_pk", ["owner", "algorithm"])
    .execute();

  await db.schema
    .createTable("remote_actors")
    .addColumn("uri", "text", (c) => c.primaryKey())
    .addColumn("handle", "text")
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("inbox", "text")
    .addColumn("shared_inbox", "text")
    .addColumn("url", "text")
    .addColumn("icon_url", "text")
    .addColumn("fetched_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("memberships")
    .addColumn("community_id", "text", (c) =>
      c.notNull().references("communities.id").onDelete("cascade"))
    .addColumn("actor_uri", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("follow_id", "text")
    .addColumn("message", "text")
    .addColumn("requested_at", "text", (c) => c.notNull())
    .addColumn("accepted_at", "text")
    .addPrimaryKeyConstraint("memberships_pk", ["community_id", "actor_uri"])
    .execute();
  await db.schema.createIndex("memberships_status_idx")
    .on("memberships").columns(["community_id", "status"]).execute();

  await db.schema
    .createTable("posts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("community_id", "text", (c) =>
      c.notNull().references("communities.id").onDelete("cascade"))
    .addColumn("object_uri", "text", (c) => c.notNull())
    .addColumn("activity_uri", "text")
    .addColumn("author_uri", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("in_reply_to", "text")
    .addColumn("name", "text")
    .addColumn("summary", "text")
    .addColumn("content", "text")
    .addColumn("url", "text")
    .addColumn("published", "text", (c) => c.notNull())
    .addColumn("updated", "text")
    .addColumn("deleted_at", "text")
    .addColumn("received_at", "text", (c) => c.notNull())
    .addUniqueConstraint("posts_community_object_uq", ["community_id", "object_uri"])
    .execute();
  await db.schema.createIndex("posts_recent_idx")
    .on("posts").columns(["community_id", "received_at"]).execute();
  await db.schema.createIndex("posts_object_idx")
    .on("posts").column("object_uri").execute();

  // Every activity a community has relayed or sent, keyed by the source
  // activity so that a redelivered activity is never announced twice; it
  // also backs the community's outbox collection.
  await db.schema
    .createTable("community_activities")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("community_id", "text", (c) =>
      c.notNull().references("communities.id").onDelete("cascade"))
    .addColumn("source_uri", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("activity_uri", "text", (c) => c.notNull())
    .addColumn("json", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("community_activities_source_uq", ["community_id", "source_uri", "kind"])
    .execute();
  await db.schema.createIndex("community_activities_recent_idx")
    .on("community_activities").columns(["community_id", "created_at"]).execute();

  // Fedify's key-value store (see src/db/kv-store.ts).
  await db.schema
    .createTable("fedify_kv")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("expires_at", "bigint")
    .execute();
  await db.schema.createIndex("fedify_kv_expires_idx")
    .on("fedify_kv").column("expires_at").execute();

  // Fedify's message queue (see src/db/message-queue.ts). Payloads hold
  // private keys for outgoing deliveries: treat this table as secret.
  await db.schema
    .createTable("fedify_message")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("queue", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("ordering_key", "text")
    .addColumn("available_at", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "bigint")
    .addColumn("lease_token", "text")
    .addColumn("last_error", "text")
    .addColumn("dead", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex("fedify_message_ready_idx")
    .on("fedify_message").columns(["queue", "dead", "available_at"]).execute();
  await db.schema.createIndex("fedify_message_ordering_idx")
    .on("fedify_message").columns(["queue", "ordering_key", "seq"]).execute();
  // Enqueueing reads MAX(seq).
  await db.schema.createIndex("fedify_message_seq_idx")
    .on("fedify_message").column("seq").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["fedify_message", "fedify_kv", "community_activities", "posts",
    "memberships", "remote_actors", "actor_keys", "communities"]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
