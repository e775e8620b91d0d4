// Admin API tokens and instance safety: domain blocks and the allow-list
// used in closed-network (allowlist) federation mode.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("name", "text")
    // SHA-256 of the token: tokens are long random strings, so a fast hash
    // is enough and the token itself is never stored.
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .execute();
  await db.schema.createIndex("api_tokens_account_idx").on("api_tokens").column("account_id").execute();

  // Host names (lower-case, no port); a block covers the host's subdomains.
  await db.schema
    .createTable("domain_blocks")
    .addColumn("host", "text", (c) => c.primaryKey())
    .addColumn("reason", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("domain_allows")
    .addColumn("host", "text", (c) => c.primaryKey())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("domain_allows").execute();
  await db.schema.dropTable("domain_blocks").execute();
  await db.schema.dropTable("api_tokens").execute();
}
