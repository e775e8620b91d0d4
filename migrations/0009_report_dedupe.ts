// One open report per reporter and subject: repeated Flags from the same
// actor about the same object update that report instead of adding one each.
// The subject is the first object a Flag names (the reported account for
// Mastodon, the post for Lemmy).
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("reports").addColumn("subject_uri", "text").execute();
  await db.schema.alterTable("reports").addColumn("updated_at", "text").execute();
  await db.schema.alterTable("reports").addColumn("flag_count", "integer", (c) => c.notNull().defaultTo(1)).execute();

  const rows = await db.selectFrom("reports").select(["id", "objects", "activity_uri", "created_at", "reporter_uri", "status"])
    .orderBy("created_at").orderBy("id").execute();
  const openBySubject = new Map<string, string>();
  const folded = new Map<string, number>();
  for (const row of rows) {
    let objects: unknown = [];
    try {
      objects = JSON.parse(row.objects);
    } catch {
      // Kept as it is; the Flag's id stands for the subject.
    }
    const subject = Array.isArray(objects) && typeof objects[0] === "string" ? objects[0] : row.activity_uri;
    await db.updateTable("reports").set({ subject_uri: subject, updated_at: row.created_at }).where("id", "=", row.id).execute();
    if (row.status !== "open") continue;
    // Open duplicates received before this migration are folded into the oldest.
    const key = JSON.stringify([row.reporter_uri, subject]);
    const kept = openBySubject.get(key);
    if (kept === undefined) {
      openBySubject.set(key, row.id);
    } else {
      folded.set(kept, (folded.get(kept) ?? 1) + 1);
      await db.updateTable("reports")
        .set({ status: "dismissed", resolved_at: new Date().toISOString(), resolved_by: `system:duplicate-of:${kept}` })
        .where("id", "=", row.id).execute();
    }
  }
  for (const [id, count] of folded) await db.updateTable("reports").set({ flag_count: count }).where("id", "=", id).execute();

  await db.schema.createIndex("reports_open_subject_idx").on("reports").columns(["reporter_uri", "subject_uri"]).unique()
    .where(sql.ref("status"), "=", "open").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("reports_open_subject_idx").execute();
  for (const column of ["flag_count", "updated_at", "subject_uri"]) {
    await db.schema.alterTable("reports").dropColumn(column).execute();
  }
}
