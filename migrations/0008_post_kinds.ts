// Posts of every kind threadiverse software sends (Video, Audio, Event as
// well as Note, Article, Page, Question): whether the sender marked one
// sensitive (a Note's summary is then its content warning), and when and
// where an Event takes place.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  // Null: the sender did not say.
  await db.schema.alterTable("posts").addColumn("sensitive", "integer").execute();
  await db.schema.alterTable("posts").addColumn("starts_at", "text").execute();
  await db.schema.alterTable("posts").addColumn("ends_at", "text").execute();
  // The event's place, by name (plain text).
  await db.schema.alterTable("posts").addColumn("location", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ["location", "ends_at", "starts_at", "sensitive"]) {
    await db.schema.alterTable("posts").dropColumn(column).execute();
  }
}
