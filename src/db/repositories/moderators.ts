import type { Kysely } from "kysely";
import type { AccountRow, Database } from "../schema.ts";

/** Who moderates which community (accounts named per community). */
export class ModeratorRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async add(communityId: string, accountId: string): Promise<boolean> {
    const r = await this.db.insertInto("community_moderators")
      .values({ community_id: communityId, account_id: accountId, added_at: new Date().toISOString() })
      .onConflict((oc) => oc.doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async remove(communityId: string, accountId: string): Promise<boolean> {
    const r = await this.db.deleteFrom("community_moderators")
      .where("community_id", "=", communityId).where("account_id", "=", accountId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async listAccounts(communityId: string): Promise<AccountRow[]> {
    return this.db.selectFrom("community_moderators")
      .innerJoin("accounts", "accounts.id", "community_moderators.account_id")
      .selectAll("accounts")
      .where("community_moderators.community_id", "=", communityId)
      .orderBy("community_moderators.added_at").execute();
  }

  async isModerator(communityId: string, accountId: string): Promise<boolean> {
    const row = await this.db.selectFrom("community_moderators").select("account_id")
      .where("community_id", "=", communityId).where("account_id", "=", accountId).executeTakeFirst();
    return row !== undefined;
  }

  /** Whether a fediverse actor speaks for one of the community's moderators. */
  async isModeratorActor(communityId: string, actorUri: string): Promise<boolean> {
    const row = await this.db.selectFrom("community_moderators")
      .innerJoin("accounts", "accounts.id", "community_moderators.account_id")
      .select("accounts.id")
      .where("community_moderators.community_id", "=", communityId)
      .where("accounts.actor_uri", "=", actorUri).executeTakeFirst();
    return row !== undefined;
  }
}
