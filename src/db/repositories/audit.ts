import type { Kysely } from "kysely";
import type { AuditLogRow, Database } from "../schema.ts";

export interface AuditEntry {
  /** Who acted: "account:<username>", "cli:<os user>", or a remote actor URI. */
  actor: string;
  /** What, as a dotted verb: "post.remove", "member.ban", "domain.block"… */
  action: string;
  communityId?: string | null;
  /** The object acted on: an actor URI, a post URI, a domain… */
  target?: string | null;
  details?: Record<string, unknown>;
}

/** The append-only record of every moderation and operator action. */
export class AuditRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.db.insertInto("audit_log").values({
      id: crypto.randomUUID(),
      at: new Date().toISOString(),
      actor: entry.actor,
      action: entry.action,
      community_id: entry.communityId ?? null,
      target: entry.target ?? null,
      details: JSON.stringify(entry.details ?? {}),
    }).execute();
  }

  /** Newest first. */
  async list(filter: { communityId?: string; limit?: number } = {}): Promise<AuditLogRow[]> {
    let q = this.db.selectFrom("audit_log").selectAll();
    if (filter.communityId) q = q.where("community_id", "=", filter.communityId);
    return q.orderBy("at", "desc").orderBy("id", "desc").limit(filter.limit ?? 100).execute();
  }
}
