// Working groups (the Build stream) and the core group:
// - a community may have a goal and an end date; when the end date passes it
//   is archived (archived_at), read-only but still listed;
// - a community may cap its membership (max_members); closed communities
//   keep join requests beyond the cap waiting, in order (requested_at);
// - deliverables: a working group's own, served and federated as objects;
// - network_deliverables: a sub-community's deliverables as they arrived
//   along a verified link, and network_working_groups: its goal, end date and
//   archived state as its Group document last said.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("communities").addColumn("goal", "text").execute();
  await db.schema.alterTable("communities").addColumn("ends_at", "text").execute();
  await db.schema.alterTable("communities").addColumn("archived_at", "text").execute();
  await db.schema.alterTable("communities").addColumn("max_members", "integer").execute();

  await db.schema.createTable("deliverables")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("community_id", "text", (c) => c.notNull().references("communities.id").onDelete("cascade"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("planned"))
    .addColumn("due", "text")
    .addColumn("resource_uri", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("deliverables_community_idx").on("deliverables").columns(["community_id", "created_at"]).execute();

  await db.schema.createTable("network_deliverables")
    .addColumn("community_id", "text", (c) => c.notNull().references("communities.id").onDelete("cascade"))
    .addColumn("object_uri", "text", (c) => c.notNull())
    .addColumn("group_uri", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("due", "text")
    .addColumn("resource_uri", "text")
    .addColumn("url", "text")
    .addColumn("received_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("network_deliverables_pk", ["community_id", "object_uri"])
    .execute();

  await db.schema.createTable("network_working_groups")
    .addColumn("uri", "text", (c) => c.primaryKey())
    .addColumn("name", "text")
    .addColumn("goal", "text")
    .addColumn("ends_at", "text")
    .addColumn("archived_at", "text")
    .addColumn("fetched_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("network_working_groups").execute();
  await db.schema.dropTable("network_deliverables").execute();
  await db.schema.dropTable("deliverables").execute();
  for (const column of ["max_members", "archived_at", "ends_at", "goal"]) {
    await db.schema.alterTable("communities").dropColumn(column).execute();
  }
}
