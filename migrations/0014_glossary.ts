// The shared glossary (FEDERATION.md, "Glossary"): each community's own
// terms with every version of their definitions, and, per community, the
// definitions it inherits from its verified ancestors, as last fetched.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("glossary_terms")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("community_id", "text", (c) => c.notNull().references("communities.id").onDelete("cascade"))
    // The normalised term (NFC, single spaces, lower case): what makes two spellings one term.
    .addColumn("term_key", "text", (c) => c.notNull())
    // The term as last written (NFC, single spaces).
    .addColumn("term", "text", (c) => c.notNull())
    .addColumn("language", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("definition", "text", (c) => c.notNull())
    .addColumn("source", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("glossary_terms_key_idx").on("glossary_terms")
    .columns(["community_id", "term_key", "language"]).unique().execute();

  await db.schema
    .createTable("glossary_versions")
    .addColumn("term_id", "text", (c) => c.notNull().references("glossary_terms.id").onDelete("cascade"))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("term", "text", (c) => c.notNull())
    .addColumn("definition", "text", (c) => c.notNull())
    .addColumn("source", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("glossary_versions_pk", ["term_id", "version"])
    .execute();

  await db.schema
    .createTable("glossary_inherited")
    .addColumn("community_id", "text", (c) => c.primaryKey().references("communities.id").onDelete("cascade"))
    // JSON array of the verified ancestors read, { uri, distance }, nearest first.
    .addColumn("ancestors", "text", (c) => c.notNull())
    // JSON array of the inherited entries (src/domain/glossary.ts GlossaryEntry).
    .addColumn("entries", "text", (c) => c.notNull())
    .addColumn("fetched_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("glossary_inherited").execute();
  await db.schema.dropTable("glossary_versions").execute();
  await db.schema.dropTable("glossary_terms").execute();
}
