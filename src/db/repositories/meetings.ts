// Meetings, their occurrences, attendees, and the Events parent communities
// cascaded to a child.
import { type Kysely, PostgresAdapter } from "kysely";
import type { AttendeeRow, MeetingRow, NetworkEventRow, OccurrenceRow } from "../meeting-tables.ts";
import type { Database } from "../schema.ts";

export type { AttendeeRow, MeetingRow, NetworkEventRow, OccurrenceRow };

export type MeetingChanges = Partial<Omit<MeetingRow, "id" | "community_id" | "created_at">>;

export interface NewOccurrence {
  id: string;
  meetingId: string;
  communityId: string;
  index: number;
  start: string;
  end: string;
}

/** The outcome of asking for a seat. */
export interface SeatResult {
  status: AttendeeRow["status"];
  /** 1-based place on the waitlist. */
  position: number | null;
  /** Whether the actor already had this status (a repeated Join). */
  unchanged: boolean;
}

export class MeetingRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async create(row: MeetingRow): Promise<void> {
    await this.db.insertInto("meetings").values(row).execute();
  }

  async get(id: string): Promise<MeetingRow | null> {
    return (await this.db.selectFrom("meetings").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
  }

  async list(communityId: string): Promise<MeetingRow[]> {
    return this.db.selectFrom("meetings").selectAll().where("community_id", "=", communityId).orderBy("created_at").execute();
  }

  /** Series still scheduled, for the publishing horizon. */
  async scheduled(): Promise<MeetingRow[]> {
    return this.db.selectFrom("meetings").selectAll().where("status", "=", "scheduled").orderBy("id").execute();
  }

  async update(id: string, changes: MeetingChanges): Promise<void> {
    await this.db.updateTable("meetings").set({ ...changes, updated_at: new Date().toISOString() }).where("id", "=", id).execute();
  }

  /** Adds occurrences (an existing index is left as it is) and records the series' progress. */
  async materialise(meetingId: string, occurrences: NewOccurrence[], nextIndex: number): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      if (occurrences.length > 0) {
        await trx.insertInto("meeting_occurrences").values(occurrences.map((o) => ({
          id: o.id, meeting_id: o.meetingId, community_id: o.communityId, idx: o.index, starts_at: o.start, ends_at: o.end,
          status: "scheduled" as const, published: 0, version: 0, updated_at: now,
        }))).onConflict((oc) => oc.columns(["meeting_id", "idx"]).doNothing()).execute();
      }
      await trx.updateTable("meetings").set({ next_index: nextIndex }).where("id", "=", meetingId).execute();
    });
  }

  async occurrence(id: string): Promise<OccurrenceRow | null> {
    return (await this.db.selectFrom("meeting_occurrences").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
  }

  async occurrences(meetingId: string): Promise<OccurrenceRow[]> {
    return this.db.selectFrom("meeting_occurrences").selectAll().where("meeting_id", "=", meetingId).orderBy("idx").execute();
  }

  /** A community's occurrences ending after `after`, by start. */
  async upcoming(communityId: string, after: string, limit = 100): Promise<(OccurrenceRow & { meeting: MeetingRow })[]> {
    const rows = await this.db.selectFrom("meeting_occurrences").selectAll().where("community_id", "=", communityId)
      .where("ends_at", ">", after).orderBy("starts_at").orderBy("id").limit(limit).execute();
    return this.withMeetings(rows);
  }

  private async withMeetings(rows: OccurrenceRow[]): Promise<(OccurrenceRow & { meeting: MeetingRow })[]> {
    const ids = [...new Set(rows.map((r) => r.meeting_id))];
    if (ids.length === 0) return [];
    const meetings = new Map((await this.db.selectFrom("meetings").selectAll().where("id", "in", ids).execute()).map((m) => [m.id, m]));
    return rows.map((r) => ({ ...r, meeting: meetings.get(r.meeting_id)! }));
  }

  /** Occurrences whose Create has not been queued yet, starting before `before`. */
  async unpublished(before: string): Promise<OccurrenceRow[]> {
    return this.db.selectFrom("meeting_occurrences").selectAll().where("published", "=", 0).where("starts_at", "<", before)
      .orderBy("starts_at").limit(500).execute();
  }

  async markPublished(id: string): Promise<void> {
    await this.db.updateTable("meeting_occurrences").set({ published: 1 }).where("id", "=", id).execute();
  }

  /** Changes an occurrence and bumps its version (for a fresh Update id); returns the new version. */
  async updateOccurrence(id: string, changes: Partial<Pick<OccurrenceRow, "starts_at" | "ends_at" | "status">>): Promise<number> {
    const row = await this.occurrence(id);
    const version = (row?.version ?? 0) + 1;
    await this.db.updateTable("meeting_occurrences").set({ ...changes, version, updated_at: new Date().toISOString() }).where("id", "=", id).execute();
    return version;
  }

  /** Removes occurrences from `fromIndex` on that were never published (a series that got shorter). */
  async dropUnpublishedFrom(meetingId: string, fromIndex: number): Promise<void> {
    await this.db.deleteFrom("meeting_occurrences").where("meeting_id", "=", meetingId).where("idx", ">=", fromIndex)
      .where("published", "=", 0).execute();
  }

  // Attendance

  async attendee(occurrenceId: string, actorUri: string): Promise<AttendeeRow | null> {
    return (await this.db.selectFrom("meeting_attendees").selectAll().where("occurrence_id", "=", occurrenceId)
      .where("actor_uri", "=", actorUri).executeTakeFirst()) ?? null;
  }

  async attendees(occurrenceId: string): Promise<AttendeeRow[]> {
    return this.db.selectFrom("meeting_attendees").selectAll().where("occurrence_id", "=", occurrenceId)
      .orderBy("created_at").orderBy("actor_uri").execute();
  }

  /** Attending (accepted) per occurrence. */
  async attendingCounts(occurrenceIds: string[]): Promise<Map<string, number>> {
    if (occurrenceIds.length === 0) return new Map();
    const rows = await this.db.selectFrom("meeting_attendees").select(["occurrence_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("occurrence_id", "in", occurrenceIds).where("status", "=", "accepted").groupBy("occurrence_id").execute();
    return new Map(rows.map((r) => [r.occurrence_id, Number(r.n)]));
  }

  /**
   * Gives `actorUri` a seat on the occurrence if one is free, else a place on
   * the waitlist (`tentative` asks for no seat). Decided in one transaction,
   * the occurrence row locked on PostgreSQL, so two Joins never take the
   * last seat twice.
   */
  async takeSeat(occurrenceId: string, actorUri: string, want: "accepted" | "tentative", capacity: number | null, activityUri: string | null): Promise<SeatResult> {
    const postgres = this.db.getExecutor().adapter instanceof PostgresAdapter;
    return this.db.transaction().execute(async (trx) => {
      if (postgres) await trx.selectFrom("meeting_occurrences").select("id").where("id", "=", occurrenceId).forUpdate().execute();
      const existing = await trx.selectFrom("meeting_attendees").selectAll().where("occurrence_id", "=", occurrenceId)
        .where("actor_uri", "=", actorUri).executeTakeFirst();
      const position = async (createdAt: string) => Number((await trx.selectFrom("meeting_attendees").select((eb) => eb.fn.countAll<number>().as("n"))
        .where("occurrence_id", "=", occurrenceId).where("status", "=", "waitlisted").where("created_at", "<=", createdAt).executeTakeFirstOrThrow()).n);
      if (existing && (existing.status === "accepted" || (existing.status === "waitlisted" && want === "accepted") || existing.status === want)) {
        return { status: existing.status, position: existing.status === "waitlisted" ? await position(existing.created_at) : null, unchanged: true };
      }
      let status: AttendeeRow["status"] = want;
      if (want === "accepted" && capacity !== null) {
        const { n } = await trx.selectFrom("meeting_attendees").select((eb) => eb.fn.countAll<number>().as("n"))
          .where("occurrence_id", "=", occurrenceId).where("status", "=", "accepted").executeTakeFirstOrThrow();
        if (Number(n) >= capacity) status = "waitlisted";
      }
      const createdAt = new Date().toISOString();
      if (existing) {
        await trx.updateTable("meeting_attendees").set({ status, activity_uri: activityUri, created_at: createdAt })
          .where("occurrence_id", "=", occurrenceId).where("actor_uri", "=", actorUri).execute();
      } else {
        await trx.insertInto("meeting_attendees").values({ occurrence_id: occurrenceId, actor_uri: actorUri, status, activity_uri: activityUri, created_at: createdAt }).execute();
      }
      return { status, position: status === "waitlisted" ? await position(createdAt) : null, unchanged: false };
    });
  }

  /**
   * Removes an attendee; if a seat is freed, the first on the waitlist takes
   * it (returned, to be told).
   */
  async leave(occurrenceId: string, actorUri: string, capacity: number | null): Promise<{ removed: AttendeeRow | null; promoted: AttendeeRow[] }> {
    const postgres = this.db.getExecutor().adapter instanceof PostgresAdapter;
    return this.db.transaction().execute(async (trx) => {
      if (postgres) await trx.selectFrom("meeting_occurrences").select("id").where("id", "=", occurrenceId).forUpdate().execute();
      const removed = (await trx.selectFrom("meeting_attendees").selectAll().where("occurrence_id", "=", occurrenceId)
        .where("actor_uri", "=", actorUri).executeTakeFirst()) ?? null;
      if (!removed) return { removed: null, promoted: [] };
      await trx.deleteFrom("meeting_attendees").where("occurrence_id", "=", occurrenceId).where("actor_uri", "=", actorUri).execute();
      const promoted = await promoteWaiting(trx, occurrenceId, capacity);
      return { removed, promoted };
    });
  }

  /** Seats the first on the waitlist while seats are free (the capacity grew); returns them. */
  async promote(occurrenceId: string, capacity: number | null): Promise<AttendeeRow[]> {
    const postgres = this.db.getExecutor().adapter instanceof PostgresAdapter;
    return this.db.transaction().execute(async (trx) => {
      if (postgres) await trx.selectFrom("meeting_occurrences").select("id").where("id", "=", occurrenceId).forUpdate().execute();
      return promoteWaiting(trx, occurrenceId, capacity);
    });
  }

  // Parents' Events cascaded to a child

  async saveNetworkEvent(row: NetworkEventRow): Promise<void> {
    const { community_id: _c, object_uri: _o, ...rest } = row;
    await this.db.insertInto("network_events").values(row)
      .onConflict((oc) => oc.columns(["community_id", "object_uri"]).doUpdateSet(rest)).execute();
  }

  async networkEvent(communityId: string, objectUri: string): Promise<NetworkEventRow | null> {
    return (await this.db.selectFrom("network_events").selectAll().where("community_id", "=", communityId)
      .where("object_uri", "=", objectUri).executeTakeFirst()) ?? null;
  }

  async networkEventsByObject(objectUri: string): Promise<NetworkEventRow[]> {
    return this.db.selectFrom("network_events").selectAll().where("object_uri", "=", objectUri).execute();
  }

  async networkEvents(communityId: string, after: string, limit = 200): Promise<NetworkEventRow[]> {
    return this.db.selectFrom("network_events").selectAll().where("community_id", "=", communityId)
      .where((eb) => eb.or([eb("ends_at", ">", after), eb.and([eb("ends_at", "is", null), eb("starts_at", ">", after)])]))
      .orderBy("starts_at").limit(limit).execute();
  }
}

/** Within a transaction: moves the first waiting attendees to the free seats. */
async function promoteWaiting(trx: Kysely<Database>, occurrenceId: string, capacity: number | null): Promise<AttendeeRow[]> {
  const promoted: AttendeeRow[] = [];
  const { n } = await trx.selectFrom("meeting_attendees").select((eb) => eb.fn.countAll<number>().as("n"))
    .where("occurrence_id", "=", occurrenceId).where("status", "=", "accepted").executeTakeFirstOrThrow();
  const free = capacity === null ? Number.POSITIVE_INFINITY : capacity - Number(n);
  if (free <= 0) return promoted;
  const waiting = await trx.selectFrom("meeting_attendees").selectAll().where("occurrence_id", "=", occurrenceId)
    .where("status", "=", "waitlisted").orderBy("created_at").orderBy("actor_uri").limit(Math.min(free, 1000)).execute();
  for (const w of waiting) {
    await trx.updateTable("meeting_attendees").set({ status: "accepted" }).where("occurrence_id", "=", occurrenceId)
      .where("actor_uri", "=", w.actor_uri).execute();
    promoted.push({ ...w, status: "accepted" });
  }
  return promoted;
}
