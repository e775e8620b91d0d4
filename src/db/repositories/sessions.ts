import type { Kysely } from "kysely";
import type { ConsoleSessionRow, Database } from "../schema.ts";

/** Console sign-ins, stored by the hash of their cookie's token. */
export class SessionRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async create(s: { id: string; accountId: string; csrfToken: string; expiresAt: string; clientAddress: string | null }): Promise<void> {
    const now = new Date().toISOString();
    await this.db.insertInto("console_sessions").values({
      id: s.id, account_id: s.accountId, csrf_token: s.csrfToken, created_at: now, last_seen_at: now,
      expires_at: s.expiresAt, client_address: s.clientAddress,
    }).execute();
  }

  /** The live session with this id, or null when unknown or expired. */
  async findLive(id: string, now = new Date().toISOString()): Promise<ConsoleSessionRow | null> {
    return (await this.db.selectFrom("console_sessions").selectAll()
      .where("id", "=", id).where("expires_at", ">", now).executeTakeFirst()) ?? null;
  }

  async touch(id: string, expiresAt: string, at = new Date().toISOString()): Promise<void> {
    await this.db.updateTable("console_sessions").set({ last_seen_at: at, expires_at: expiresAt }).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("console_sessions").where("id", "=", id).execute();
  }

  /** Signs an account out everywhere (its password changed, or it was deleted). */
  async deleteForAccount(accountId: string): Promise<number> {
    const r = await this.db.deleteFrom("console_sessions").where("account_id", "=", accountId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async purgeExpired(now = new Date().toISOString()): Promise<number> {
    const r = await this.db.deleteFrom("console_sessions").where("expires_at", "<=", now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
