// Content moderation: community bans, removed / pinned / locked posts,
// announcement-only communities and the report (Flag) queue.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("community_bans")
    .addColumn("community_id", "text", (c) => c.notNull().references("communities.id").onDelete("cascade"))
    .addColumn("actor_uri", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    // Null: until unbanned.
    .addColumn("expires_at", "text")
    // Who banned, as recorded in the audit log ("cli:<os user>", "account:<name>").
    .addColumn("banned_by", "text", (c) => c.notNull())
    // The Block activity sent, so that the unban can Undo exactly it.
    .addColumn("block_uri", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("community_bans_pk", ["community_id", "actor_uri"])
    .execute();

  // A moderator's removal is kept apart from the author's deletion: it can be
  // undone, and the content stays for the moderation record.
  await db.schema.alterTable("posts").addColumn("removed_at", "text").execute();
  await db.schema.alterTable("posts").addColumn("removal_reason", "text").execute();
  await db.schema.alterTable("posts").addColumn("pinned_at", "text").execute();
  await db.schema.alterTable("posts").addColumn("locked_at", "text").execute();

  // Only the moderators' linked actors may post (Lemmy's postingRestrictedToMods).
  await db.schema.alterTable("communities")
    .addColumn("announcement_only", "integer", (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable("reports")
    .addColumn("id", "text", (c) => c.primaryKey())
    // Null: an instance-level report (no reported post belongs to a community).
    .addColumn("community_id", "text")
    .addColumn("reporter_uri", "text", (c) => c.notNull())
    // The Flag's id; a redelivered Flag is stored once.
    .addColumn("activity_uri", "text", (c) => c.notNull().unique())
    .addColumn("comment", "text", (c) => c.notNull().defaultTo(""))
    /** JSON array of the reported actor and object URIs, as received. */
    .addColumn("objects", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("open"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("resolved_at", "text")
    .addColumn("resolved_by", "text")
    .addColumn("forwarded_at", "text")
    .execute();
  await db.schema.createIndex("reports_queue_idx").on("reports").columns(["status", "created_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("reports").execute();
  await db.schema.alterTable("communities").dropColumn("announcement_only").execute();
  for (const column of ["locked_at", "pinned_at", "removal_reason", "removed_at"]) {
    await db.schema.alterTable("posts").dropColumn(column).execute();
  }
  await db.schema.dropTable("community_bans").execute();
}
