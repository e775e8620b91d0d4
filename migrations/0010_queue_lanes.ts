// Indexes for delivery at scale:
// - the queue claims per lane (the message's kind: fanout, inbox, outbox),
//   the oldest due first: fedify_message_lane_idx serves that scan in order
//   and holds every column the claim tests, so that the scan never reads a
//   message's row (its payload, kilobytes long) — only the claimed rows are;
// - a claim checks each keyed candidate for an earlier or leased message
//   with its key: fedify_message_key_idx answers that from the index alone
//   (it replaces fedify_message_ordering_idx);
// - fedify_message_ready_idx is superseded by the lane index;
// - a fan-out reads a community's accepted members in pages, in actor URI
//   order: memberships_delivery_idx serves each page without sorting.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("fedify_message_lane_idx").on("fedify_message")
    .columns(["queue", "kind", "dead", "available_at", "seq", "locked_until", "host", "ordering_key", "id"]).execute();
  await db.schema.createIndex("fedify_message_key_idx").on("fedify_message")
    .columns(["queue", "ordering_key", "seq", "id", "dead", "locked_until"]).execute();
  await db.schema.dropIndex("fedify_message_ordering_idx").execute();
  await db.schema.dropIndex("fedify_message_ready_idx").execute();
  await db.schema.createIndex("memberships_delivery_idx")
    .on("memberships").columns(["community_id", "status", "actor_uri"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("memberships_delivery_idx").execute();
  await db.schema.createIndex("fedify_message_ready_idx")
    .on("fedify_message").columns(["queue", "dead", "available_at"]).execute();
  await db.schema.createIndex("fedify_message_ordering_idx")
    .on("fedify_message").columns(["queue", "ordering_key", "seq"]).execute();
  await db.schema.dropIndex("fedify_message_key_idx").execute();
  await db.schema.dropIndex("fedify_message_lane_idx").execute();
}
