import type { Kysely } from "kysely";
import { isBanActive } from "../../domain/moderation.ts";
import type { CommunityBanRow, Database } from "../schema.ts";

export interface NewBan {
  communityId: string;
  actorUri: string;
  reason: string | null;
  expiresAt: string | null;
  bannedBy: string;
  blockUri: string | null;
}

/** Actors banned from a community: their posts, follows and reactions are refused. */
export class BanRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  /** Bans, or replaces the terms of an existing ban. */
  async upsert(ban: NewBan): Promise<void> {
    const values = {
      community_id: ban.communityId,
      actor_uri: ban.actorUri,
      reason: ban.reason,
      expires_at: ban.expiresAt,
      banned_by: ban.bannedBy,
      block_uri: ban.blockUri,
      created_at: new Date().toISOString(),
    };
    await this.db.insertInto("community_bans").values(values)
      .onConflict((oc) => oc.columns(["community_id", "actor_uri"]).doUpdateSet({
        reason: values.reason, expires_at: values.expires_at, banned_by: values.banned_by,
        block_uri: values.block_uri, created_at: values.created_at,
      })).execute();
  }

  async get(communityId: string, actorUri: string): Promise<CommunityBanRow | null> {
    return (await this.db.selectFrom("community_bans").selectAll()
      .where("community_id", "=", communityId).where("actor_uri", "=", actorUri).executeTakeFirst()) ?? null;
  }

  /** Whether a ban holds now (an expired ban no longer does). */
  async isBanned(communityId: string, actorUri: string, now: Date = new Date()): Promise<boolean> {
    const ban = await this.get(communityId, actorUri);
    return isBanActive(ban ? { expiresAt: ban.expires_at } : null, now);
  }

  async remove(communityId: string, actorUri: string): Promise<boolean> {
    const r = await this.db.deleteFrom("community_bans")
      .where("community_id", "=", communityId).where("actor_uri", "=", actorUri).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Every ban of a community, expired ones included, newest first. */
  async list(communityId: string): Promise<CommunityBanRow[]> {
    return this.db.selectFrom("community_bans").selectAll()
      .where("community_id", "=", communityId).orderBy("created_at", "desc").orderBy("actor_uri").execute();
  }
}
