import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";

export interface StoredKey {
  algorithm: string;
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
}

/** The instance actor's keys are stored under this owner. */
export const INSTANCE_KEY_OWNER = "instance";

/** Key pairs as JWKs. Order matters to Fedify (key ids are positional). */
export class KeyRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async list(owner: string): Promise<StoredKey[]> {
    const rows = await this.db.selectFrom("actor_keys").selectAll().where("owner", "=", owner)
      .orderBy("created_at").orderBy("algorithm", "desc").execute();
    return rows.map((r) => ({
      algorithm: r.algorithm,
      privateJwk: JSON.parse(r.private_jwk),
      publicJwk: JSON.parse(r.public_jwk),
    }));
  }

  /** Stores keys unless the owner already has some (concurrent first use). */
  async insertIfAbsent(owner: string, keys: StoredKey[]): Promise<void> {
    const now = new Date().toISOString();
    await this.db.insertInto("actor_keys").values(keys.map((k) => ({
      owner,
      algorithm: k.algorithm,
      private_jwk: JSON.stringify(k.privateJwk),
      public_jwk: JSON.stringify(k.publicJwk),
      created_at: now,
    }))).onConflict((oc) => oc.doNothing()).execute();
  }
}
