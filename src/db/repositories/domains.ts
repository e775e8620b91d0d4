import type { Kysely } from "kysely";
import type { Database, DomainAllowRow, DomainBlockRow } from "../schema.ts";

/** The instance's federation policy: blocked hosts and the allow-list. */
export class DomainRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  /** Adds or updates a block; returns whether it is new. */
  async block(host: string, reason: string | null, createdBy: string): Promise<boolean> {
    const existing = await this.db.selectFrom("domain_blocks").select("host").where("host", "=", host).executeTakeFirst();
    await this.db.insertInto("domain_blocks")
      .values({ host, reason, created_by: createdBy, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column("host").doUpdateSet({ reason })).execute();
    return existing === undefined;
  }

  async unblock(host: string): Promise<boolean> {
    const r = await this.db.deleteFrom("domain_blocks").where("host", "=", host).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async listBlocks(): Promise<DomainBlockRow[]> {
    return this.db.selectFrom("domain_blocks").selectAll().orderBy("host").execute();
  }

  async allow(host: string, createdBy: string): Promise<boolean> {
    const r = await this.db.insertInto("domain_allows")
      .values({ host, created_by: createdBy, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column("host").doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async disallow(host: string): Promise<boolean> {
    const r = await this.db.deleteFrom("domain_allows").where("host", "=", host).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async listAllows(): Promise<DomainAllowRow[]> {
    return this.db.selectFrom("domain_allows").selectAll().orderBy("host").execute();
  }

  async blockedHosts(): Promise<string[]> {
    return (await this.db.selectFrom("domain_blocks").select("host").execute()).map((r) => r.host);
  }

  async allowedHosts(): Promise<string[]> {
    return (await this.db.selectFrom("domain_allows").select("host").execute()).map((r) => r.host);
  }
}
