// Meetings and calendars: a community's meeting series, their occurrences
// (each federated as an Event, published as the horizon reaches it), who
// attends each occurrence, and the Events of parent communities that
// cascaded down the network.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("meetings")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("community_id", "text", (c) => c.notNull().references("communities.id").onDelete("cascade"))
    .addColumn("title", "text", (c) => c.notNull())
    // Plain text, shown escaped (paragraphs kept).
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    // Wall-clock start (YYYY-MM-DDTHH:mm) in the IANA zone `timezone`.
    .addColumn("start_local", "text", (c) => c.notNull())
    .addColumn("timezone", "text", (c) => c.notNull())
    .addColumn("duration_minutes", "integer", (c) => c.notNull())
    // weekly | biweekly | monthly | quarterly; null for a single meeting.
    .addColumn("repeat", "text")
    .addColumn("count", "integer")
    // UTC instant the last occurrence may start at.
    .addColumn("until", "text")
    .addColumn("online_url", "text")
    .addColumn("place", "text")
    .addColumn("capacity", "integer")
    // scheduled | cancelled (the whole series).
    .addColumn("status", "text", (c) => c.notNull().defaultTo("scheduled"))
    // The index of the next occurrence not yet materialised (the horizon's progress).
    .addColumn("next_index", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("meetings_community_idx").on("meetings").columns(["community_id", "status"]).execute();

  await db.schema
    .createTable("meeting_occurrences")
    // `<meeting id>-<index>`: the Event is served at /c/<slug>/meetings/<id>.
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("meeting_id", "text", (c) => c.notNull().references("meetings.id").onDelete("cascade"))
    .addColumn("community_id", "text", (c) => c.notNull().references("communities.id").onDelete("cascade"))
    .addColumn("idx", "integer", (c) => c.notNull())
    // UTC instants.
    .addColumn("starts_at", "text", (c) => c.notNull())
    .addColumn("ends_at", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("scheduled"))
    // 1 once its Create(Event) has been queued for the followers.
    .addColumn("published", "integer", (c) => c.notNull().defaultTo(0))
    // Bumped by each change, so each Update(Event) has its own id.
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("meeting_occurrences_idx_uq", ["meeting_id", "idx"])
    .execute();
  await db.schema.createIndex("meeting_occurrences_listing_idx").on("meeting_occurrences").columns(["community_id", "starts_at"]).execute();
  await db.schema.createIndex("meeting_occurrences_publish_idx").on("meeting_occurrences").columns(["published", "starts_at"]).execute();

  await db.schema
    .createTable("meeting_attendees")
    .addColumn("occurrence_id", "text", (c) => c.notNull().references("meeting_occurrences.id").onDelete("cascade"))
    .addColumn("actor_uri", "text", (c) => c.notNull())
    // accepted | waitlisted | tentative
    .addColumn("status", "text", (c) => c.notNull())
    // The Join (or Accept/TentativeAccept) that asked, answered by the community.
    .addColumn("activity_uri", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("meeting_attendees_pk", ["occurrence_id", "actor_uri"])
    .execute();
  await db.schema.createIndex("meeting_attendees_queue_idx").on("meeting_attendees").columns(["occurrence_id", "status", "created_at"]).execute();

  // Events of a linked parent community, kept by the child that relays them
  // (its calendar with ?network=1 lists them).
  await db.schema
    .createTable("network_events")
    .addColumn("community_id", "text", (c) => c.notNull().references("communities.id").onDelete("cascade"))
    .addColumn("object_uri", "text", (c) => c.notNull())
    .addColumn("via_uri", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("content", "text")
    .addColumn("url", "text")
    .addColumn("starts_at", "text", (c) => c.notNull())
    .addColumn("ends_at", "text")
    .addColumn("timezone", "text")
    .addColumn("location", "text")
    .addColumn("online_url", "text")
    .addColumn("status", "text", (c) => c.notNull().defaultTo("scheduled"))
    .addColumn("received_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("network_events_pk", ["community_id", "object_uri"])
    .execute();
  await db.schema.createIndex("network_events_listing_idx").on("network_events").columns(["community_id", "starts_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["network_events", "meeting_attendees", "meeting_occurrences", "meetings"]) {
    await db.schema.dropTable(table).execute();
  }
}
