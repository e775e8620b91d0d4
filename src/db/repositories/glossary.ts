// The glossary's rows: a community's terms and their versions, and the
// definitions it inherits from its ancestors as last fetched.
import { WriteConflict } from "../conflicts.ts";
import type { Kysely } from "kysely";
import type { GlossaryEntry } from "../../domain/glossary.ts";
import type { GlossaryTermRow, GlossaryVersionRow } from "../glossary-schema.ts";
import type { Database } from "../schema.ts";

export interface InheritedGlossary {
  /** The verified ancestors read, with their distance (1: a parent), nearest first. */
  ancestors: { uri: string; distance: number }[];
  entries: GlossaryEntry[];
  fetchedAt: string;
}

export interface TermInput {
  communityId: string;
  key: string;
  term: string;
  language: string;
  definition: string;
  source: string | null;
}

export class GlossaryRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  list(communityId: string): Promise<GlossaryTermRow[]> {
    return this.db.selectFrom("glossary_terms").selectAll().where("community_id", "=", communityId)
      .orderBy("term_key").orderBy("language").execute();
  }

  count(communityId: string): Promise<number> {
    return this.db.selectFrom("glossary_terms").select((eb) => eb.fn.countAll<number>().as("n"))
      .where("community_id", "=", communityId).executeTakeFirstOrThrow().then((r) => Number(r.n));
  }

  async find(communityId: string, key: string, language: string): Promise<GlossaryTermRow | null> {
    return (await this.db.selectFrom("glossary_terms").selectAll()
      .where("community_id", "=", communityId).where("term_key", "=", key).where("language", "=", language)
      .executeTakeFirst()) ?? null;
  }

  /** Every language's entry of a term. */
  findAll(communityId: string, key: string): Promise<GlossaryTermRow[]> {
    return this.db.selectFrom("glossary_terms").selectAll()
      .where("community_id", "=", communityId).where("term_key", "=", key).orderBy("language").execute();
  }

  async byId(id: string): Promise<GlossaryTermRow | null> {
    return (await this.db.selectFrom("glossary_terms").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
  }

  /** Writes version `version` of a term (1 creates it), keeping every version. */
  async write(input: TermInput, version: number, existingId: string | null): Promise<GlossaryTermRow> {
    const now = new Date().toISOString();
    return this.db.transaction().execute(async (trx) => {
      let id = existingId;
      if (id === null) {
        id = crypto.randomUUID();
        await trx.insertInto("glossary_terms").values({
          id, community_id: input.communityId, term_key: input.key, term: input.term, language: input.language, version,
          definition: input.definition, source: input.source, created_at: now, updated_at: now,
        }).execute();
      } else {
        // Only over the version it was decided from: a concurrent revision wins, this one is decided again.
        const updated = await trx.updateTable("glossary_terms")
          .set({ term: input.term, version, definition: input.definition, source: input.source, updated_at: now })
          .where("id", "=", id).where("version", "=", version - 1).executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) throw new WriteConflict(`term ${id} changed meanwhile`);
      }
      await trx.insertInto("glossary_versions").values({
        term_id: id, version, term: input.term, definition: input.definition, source: input.source, created_at: now,
      }).execute();
      return (await trx.selectFrom("glossary_terms").selectAll().where("id", "=", id).executeTakeFirstOrThrow());
    });
  }

  versions(termId: string): Promise<GlossaryVersionRow[]> {
    return this.db.selectFrom("glossary_versions").selectAll().where("term_id", "=", termId).orderBy("version").execute();
  }

  async remove(termId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("glossary_versions").where("term_id", "=", termId).execute();
      await trx.deleteFrom("glossary_terms").where("id", "=", termId).execute();
    });
  }

  async inherited(communityId: string): Promise<InheritedGlossary | null> {
    const row = await this.db.selectFrom("glossary_inherited").selectAll().where("community_id", "=", communityId).executeTakeFirst();
    if (!row) return null;
    try {
      return { ancestors: JSON.parse(row.ancestors), entries: JSON.parse(row.entries), fetchedAt: row.fetched_at };
    } catch {
      return null;
    }
  }

  async putInherited(communityId: string, value: InheritedGlossary): Promise<void> {
    const values = { ancestors: JSON.stringify(value.ancestors), entries: JSON.stringify(value.entries), fetched_at: value.fetchedAt };
    await this.db.insertInto("glossary_inherited").values({ community_id: communityId, ...values })
      .onConflict((oc) => oc.column("community_id").doUpdateSet(values)).execute();
  }

  /** The local communities whose inherited glossary comes (in part) from `ancestorUri`. */
  async inheritingFrom(ancestorUri: string): Promise<string[]> {
    const rows = await this.db.selectFrom("glossary_inherited").select(["community_id", "ancestors"]).execute();
    return rows.filter((r) => {
      try {
        return (JSON.parse(r.ancestors) as InheritedGlossary["ancestors"]).some((a) => a.uri === ancestorUri);
      } catch {
        return false;
      }
    }).map((r) => r.community_id);
  }
}
