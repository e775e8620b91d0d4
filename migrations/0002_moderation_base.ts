// Accounts, community moderators and the audit log: the base that every
// moderation and operator feature records into.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("accounts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("username", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text", (c) => c.notNull())
    // "operator" runs the instance; "moderator" moderates the communities it is named for.
    .addColumn("role", "text", (c) => c.notNull().defaultTo("moderator"))
    // The fediverse actor the account speaks as, listed in moderators collections.
    .addColumn("actor_uri", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("community_moderators")
    .addColumn("community_id", "text", (c) => c.notNull())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("added_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("community_moderators_pk", ["community_id", "account_id"])
    .execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("at", "text", (c) => c.notNull())
    // Who: "account:<username>", "cli:<os user>", or a remote actor URI.
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("community_id", "text")
    .addColumn("target", "text")
    .addColumn("details", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();
  await db.schema.createIndex("audit_log_at_idx").on("audit_log").column("at").execute();
  await db.schema.createIndex("audit_log_community_idx").on("audit_log").columns(["community_id", "at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("audit_log").execute();
  await db.schema.dropTable("community_moderators").execute();
  await db.schema.dropTable("accounts").execute();
}
