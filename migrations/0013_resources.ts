// The resource centre and practice statuses: a community's resources
// (Markdown articles and links), every version of each, and the practice
// status marks it made or received along its network links.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("resources")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("community_id", "text", (c) => c.notNull())
    // "article" (Markdown, an Article) or "link" (a URL, a Document).
    .addColumn("form", "text", (c) => c.notNull())
    // tool, protocol, report, template or other.
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("language", "text")
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("url", "text")
    // The Markdown source and its sanitised HTML (articles only).
    .addColumn("source", "text")
    .addColumn("html", "text")
    .addColumn("version", "integer", (c) => c.notNull())
    // proposed, evaluated or best-practice; null when unmarked.
    .addColumn("practice_status", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("deleted_at", "text")
    .execute();
  await db.schema.createIndex("resources_community_idx").on("resources").column("community_id").execute();

  await db.schema
    .createTable("resource_versions")
    .addColumn("resource_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("language", "text")
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("url", "text")
    .addColumn("source", "text")
    .addColumn("html", "text")
    // Who made this version, for the audit trail ("cli:<user>", "account:<name>").
    .addColumn("author", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("resource_versions_pk", ["resource_id", "version"])
    .execute();

  await db.schema
    .createTable("practice_marks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("community_id", "text", (c) => c.notNull())
    // The post or resource the status is about.
    .addColumn("object_uri", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("note", "text")
    // "own": this community marked it; "up": received from a sub-community;
    // "down": received from a parent.
    .addColumn("direction", "text", (c) => c.notNull())
    // The Group that marked it (this community's actor for "own").
    .addColumn("origin_uri", "text", (c) => c.notNull())
    // The Note that carries the mark (a post by someone else), if any.
    .addColumn("note_uri", "text")
    .addColumn("title", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("practice_marks_unique", ["community_id", "object_uri", "origin_uri"])
    .execute();
  await db.schema.createIndex("practice_marks_note_idx").on("practice_marks").column("note_uri").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("practice_marks").execute();
  await db.schema.dropTable("resource_versions").execute();
  await db.schema.dropTable("resources").execute();
}
