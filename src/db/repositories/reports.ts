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
  activityUri: string;
  comment: string;
  objects: string[];
  status: ReportStatus;
  createdAt: string;
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
    createdAt: r.created_at,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    forwardedAt: r.forwarded_at,
  };
}

/** The moderation queue of reports (Flag activities) received. */
export class ReportRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  /** Stores a report once per Flag id; returns it and whether it was new. */
  async insertIfAbsent(report: NewReport): Promise<{ report: Report; created: boolean }> {
    const r = await this.db.insertInto("reports").values({
      id: crypto.randomUUID(),
      community_id: report.communityId,
      reporter_uri: report.reporterUri,
      activity_uri: report.activityUri,
      comment: report.comment,
      objects: JSON.stringify(report.objects),
      status: "open",
      created_at: new Date().toISOString(),
      resolved_at: null,
      resolved_by: null,
      forwarded_at: null,
    }).onConflict((oc) => oc.column("activity_uri").doNothing()).executeTakeFirst();
    const row = await this.db.selectFrom("reports").selectAll()
      .where("activity_uri", "=", report.activityUri).executeTakeFirstOrThrow();
    return { report: toReport(row), created: Number(r.numInsertedOrUpdatedRows ?? 0n) > 0 };
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
