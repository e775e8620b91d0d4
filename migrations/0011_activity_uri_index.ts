// Lookups of a community's recorded activity by its own id: every relayed
// activity records its JSON by activity URI once it is built (saveJson, once
// per Announce, Update or boost a community sends), and `GET` of an activity's
// id reads it back (getByUri). Without an index each of those scanned the
// whole `community_activities` table, which grows by a few rows per relayed
// post. Not unique: a feature and its unfeature record the pinned object's id.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("community_activities_activity_idx")
    .on("community_activities").column("activity_uri").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("community_activities_activity_idx").execute();
}
