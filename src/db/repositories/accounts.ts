import type { Kysely } from "kysely";
import type { Role } from "../../domain/credentials.ts";
import type { AccountRow, ApiTokenRow, Database } from "../schema.ts";

/** Local accounts of moderators and operators. */
export class AccountRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async create(a: { username: string; passwordHash: string; role: Role; actorUri: string | null }): Promise<AccountRow> {
    const row: AccountRow = {
      id: crypto.randomUUID(),
      username: a.username,
      password_hash: a.passwordHash,
      role: a.role,
      actor_uri: a.actorUri,
      created_at: new Date().toISOString(),
    };
    await this.db.insertInto("accounts").values(row).execute();
    return row;
  }

  async findByUsername(username: string): Promise<AccountRow | null> {
    return (await this.db.selectFrom("accounts").selectAll().where("username", "=", username).executeTakeFirst()) ?? null;
  }

  async get(id: string): Promise<AccountRow | null> {
    return (await this.db.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
  }

  async list(): Promise<AccountRow[]> {
    return this.db.selectFrom("accounts").selectAll().orderBy("username").execute();
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable("accounts").set({ password_hash: passwordHash }).where("id", "=", id).execute();
  }

  /** Deletes the account with its moderator seats, tokens and console sessions. */
  async delete(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("api_tokens").where("account_id", "=", id).execute();
      await trx.deleteFrom("console_sessions").where("account_id", "=", id).execute();
      await trx.deleteFrom("community_moderators").where("account_id", "=", id).execute();
      await trx.deleteFrom("accounts").where("id", "=", id).execute();
    });
  }

  /** Ids of the communities an account moderates. */
  async moderatedCommunityIds(accountId: string): Promise<string[]> {
    const rows = await this.db.selectFrom("community_moderators").select("community_id")
      .where("account_id", "=", accountId).execute();
    return rows.map((r) => r.community_id);
  }
}

export interface TokenWithAccount extends ApiTokenRow {
  username: string;
}

/** Admin API bearer tokens, stored as SHA-256 hashes. */
export class ApiTokenRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async create(accountId: string, tokenHash: string, name: string | null): Promise<ApiTokenRow> {
    const row: ApiTokenRow = {
      id: crypto.randomUUID(),
      account_id: accountId,
      name,
      token_hash: tokenHash,
      created_at: new Date().toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto("api_tokens").values(row).execute();
    return row;
  }

  /** The live (not revoked) token with this hash. */
  async findActiveByHash(tokenHash: string): Promise<ApiTokenRow | null> {
    return (await this.db.selectFrom("api_tokens").selectAll()
      .where("token_hash", "=", tokenHash).where("revoked_at", "is", null).executeTakeFirst()) ?? null;
  }

  async get(id: string): Promise<TokenWithAccount | null> {
    return (await this.baseQuery().where("t.id", "=", id).executeTakeFirst()) ?? null;
  }

  async list(filter: { accountId?: string } = {}): Promise<TokenWithAccount[]> {
    let q = this.baseQuery();
    if (filter.accountId) q = q.where("t.account_id", "=", filter.accountId);
    return q.orderBy("t.created_at").orderBy("t.id").execute();
  }

  async touch(id: string, at = new Date().toISOString()): Promise<void> {
    await this.db.updateTable("api_tokens").set({ last_used_at: at }).where("id", "=", id).execute();
  }

  async revoke(id: string): Promise<boolean> {
    const r = await this.db.updateTable("api_tokens").set({ revoked_at: new Date().toISOString() })
      .where("id", "=", id).where("revoked_at", "is", null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  private baseQuery() {
    return this.db.selectFrom("api_tokens as t").innerJoin("accounts as a", "a.id", "t.account_id")
      .selectAll("t").select("a.username");
  }
}
