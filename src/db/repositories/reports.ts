import type { Kysely } from "kysely";
import type { Database, ReportRow, ReportStatus } from "../schema.ts";

export interface NewReport {
  communityId: string | null;
  reporterUri: string;
  activityUri: string;
  comment: string;
  objects: string[];
}

export interface Report {
  id: string;
  communityId: string | null;
  reporterUri: string;
  /** The first Flag's id. */
  activityUri: string;
  /** The latest non-empty comment. */
  comment: string;
  /** The reported actor and object URIs, the first being the subject. */
  objects: string[];
  status: ReportStatus;
  /** Flags received for this report (repeated Flags from the reporter about the same subject). */
  flagCount: number;
  createdAt: string;
  /** When the latest Flag was received. */
  updatedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  forwardedAt: string | null;
}

function toReport(r: ReportRow): Report {
  return {
    id: r.id,
    communityId: r.community_id,
    reporterUri: r.reporter_uri,
    activityUri: r.activity_uri,
    comment: r.comment,
    objects: JSON.parse(r.objects) as string[],
    status: r.status,
    flagCount: Number(r.flag_count),
    createdAt: r.created_at,
    updatedAt: r.updated_at ?? r.created_at,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    forwardedAt: r.forwarded_at,
  };
}

/** Objects a report names at most (as many as a Flag may carry). */
export const MAX_REPORT_OBJECTS = 50;

function mergeObjects(existing: readonly string[], added: readonly string[]): string[] {
  const out = [...existing];
  for (const uri of added) {
    if (out.length >= MAX_REPORT_OBJECTS) break;
    if (!out.includes(uri)) out.push(uri);
  }
  return out;
}

/** The moderation queue of reports (Flag activities) received. */
export class ReportRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  /**
   * Files a Flag: a new report, or, when the reporter already has an open
   * report about the same subject (the first object), an update of that
   * report (objects added, comment replaced, count raised). A redelivered
   * Flag (same id) changes nothing. `created` tells whether a report was new.
   */
  async receive(report: NewReport): Promise<{ report: Report; created: boolean }> {
    if (report.objects.length === 0) throw new TypeError("A report names at least one object");
    const subject = report.objects[0];
    // Bounded: a round fails only when the open report it found was closed in between.
    for (let attempt = 0; attempt < 3; attempt++) {
      const known = await this.db.selectFrom("reports").selectAll().where("activity_uri", "=", report.activityUri).executeTakeFirst();
      if (known) return { report: toReport(known), created: false };
      const now = new Date().toISOString();
      const id = crypto.randomUUID();
      // The partial unique index on open (reporter_uri, subject_uri) refuses a second open report.
      const inserted = await this.db.insertInto("reports").values({
        id,
        community_id: report.communityId,
        reporter_uri: report.reporterUri,
        activity_uri: report.activityUri,
        subject_uri: subject,
        comment: report.comment,
        objects: JSON.stringify(report.objects),
        status: "open",
        flag_count: 1,
        created_at: now,
        updated_at: now,
        resolved_at: null,
        resolved_by: null,
        forwarded_at: null,
      }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) {
        return { report: toReport(await this.db.selectFrom("reports").selectAll().where("id", "=", id).executeTakeFirstOrThrow()), created: true };
      }
      // Update the reporter's open report about the subject. The first statement
      // takes the row's write lock, so concurrent Flags merge one at a time.
      const merged = await this.db.transaction().execute(async (trx) => {
        const open = await trx.updateTable("reports")
          .set((eb) => ({ flag_count: eb("flag_count", "+", 1), updated_at: now }))
          .where("reporter_uri", "=", report.reporterUri).where("subject_uri", "=", subject).where("status", "=", "open")
          .returningAll().executeTakeFirst();
        if (!open) return null;
        await trx.updateTable("reports").set({
          objects: JSON.stringify(mergeObjects(JSON.parse(open.objects) as string[], report.objects)),
          comment: report.comment === "" ? open.comment : report.comment,
          community_id: open.community_id ?? report.communityId,
        }).where("id", "=", open.id).execute();
        return open.id;
      });
      // Null: the open report was closed meanwhile; the next round files a new one.
      if (merged !== null) {
        return { report: toReport(await this.db.selectFrom("reports").selectAll().where("id", "=", merged).executeTakeFirstOrThrow()), created: false };
      }
    }
    throw new Error(`Could not file the report ${report.activityUri}: its subject's open report kept being closed`);
  }

  async get(id: string): Promise<Report | null> {
    const row = await this.db.selectFrom("reports").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toReport(row) : null;
  }

  /**
   * Oldest first. `communityId` null lists instance-level reports only;
   * undefined lists all communities.
   */
  async list(filter: { communityId?: string | null; includeClosed?: boolean } = {}): Promise<Report[]> {
    let q = this.db.selectFrom("reports").selectAll();
    if (filter.communityId === null) q = q.where("community_id", "is", null);
    else if (filter.communityId !== undefined) q = q.where("community_id", "=", filter.communityId);
    if (!filter.includeClosed) q = q.where("status", "=", "open");
    return (await q.orderBy("created_at").orderBy("id").execute()).map(toReport);
  }

  /** Closes an open report; false if it was already closed. */
  async close(id: string, status: Exclude<ReportStatus, "open">, by: string): Promise<boolean> {
    const r = await this.db.updateTable("reports")
      .set({ status, resolved_at: new Date().toISOString(), resolved_by: by })
      .where("id", "=", id).where("status", "=", "open").executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async markForwarded(id: string): Promise<void> {
    await this.db.updateTable("reports").set({ forwarded_at: new Date().toISOString() }).where("id", "=", id).execute();
  }
}
