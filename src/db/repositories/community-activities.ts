import { type Kysely, sql } from "kysely";
import { writePerTurn } from "../batcher.ts";
import type { Database } from "../schema.ts";

interface Claim {
  sourceUri: string;
  kind: string;
  activityUri: string;
  json?: unknown;
}

interface AskedClaims {
  communityId: string;
  claims: Claim[];
}

interface Claimed {
  activityUri: string;
  created: boolean;
}

export interface RecordedActivity {
  id: string;
  activityUri: string;
  kind: string;
  json: unknown;
  createdAt: string;
}

/**
 * What each community has sent, keyed by (source, kind): a redelivered
 * activity reuses the stored announce id instead of announcing twice, and
 * receivers deduplicate by that id. Also backs the outbox collection.
 */
export class CommunityActivityRepository {
  private readonly db: Kysely<Database>;
  /**
   * One caller's claims; those asked in one turn (a burst of relayed
   * posts) share one statement (src/db/batcher.ts). Each caller is
   * answered, per claim, whether its id is the one now recorded.
   */
  readonly #claim: (asked: AskedClaims) => Promise<boolean[]>;

  constructor(db: Kysely<Database>) {
    this.db = db;
    this.#claim = writePerTurn((asked) => this.#insertClaims(asked));
  }

  /**
   * Claims an id for the activity a community sends about `sourceUri`; if one
   * was claimed before (a retry), returns that one with `created: false`.
   */
  async claim(communityId: string, sourceUri: string, kind: string, activityUri: string): Promise<{ activityUri: string; created: boolean }> {
    const [claimed] = await this.claimMany(communityId, [{ sourceUri, kind, activityUri }]);
    return claimed;
  }

  /**
   * Claims ids for several activities the community sends together (a
   * post's Announce and its boost) in one statement; each, as `claim`, the
   * id claimed before if there was one. A claim may carry the activity's
   * JSON, recorded with it if its id is the one claimed.
   */
  async claimMany(communityId: string, claims: Claim[]): Promise<Claimed[]> {
    if (claims.length === 0) return [];
    const fresh = await this.#claim({ communityId, claims });
    return Promise.all(claims.map(async (c, i) => {
      if (fresh[i]) return { activityUri: c.activityUri, created: true };
      // Claimed before (a retry): the id it got then.
      const earlier = await this.find(communityId, c.sourceUri, c.kind);
      if (!earlier) throw new Error(`The claim of ${c.kind} for ${c.sourceUri} conflicted but was not found`);
      return { activityUri: earlier.activityUri, created: false };
    }));
  }

  /** Records the claims of several callers in one statement; for each caller, per claim, whether its id is the one recorded. */
  async #insertClaims(asked: AskedClaims[]): Promise<boolean[][]> {
    const createdAt = new Date().toISOString();
    const inserted = await this.db.insertInto("community_activities").values(asked.flatMap(({ communityId, claims }) => claims.map((c) => ({
      id: crypto.randomUUID(), community_id: communityId, source_uri: c.sourceUri, kind: c.kind, activity_uri: c.activityUri,
      json: c.json === undefined ? "null" : JSON.stringify(c.json), created_at: createdAt,
    })))).onConflict((oc) => oc.columns(["community_id", "source_uri", "kind"]).doNothing())
      .returning(["community_id", "source_uri", "kind", "activity_uri"]).execute();
    const keyOf = (communityId: string, sourceUri: string, kind: string) => JSON.stringify([communityId, sourceUri, kind]);
    const recorded = new Map(inserted.map((r) => [keyOf(r.community_id, r.source_uri, r.kind), r.activity_uri]));
    return asked.map(({ communityId, claims }) => claims.map((c) => recorded.get(keyOf(communityId, c.sourceUri, c.kind)) === c.activityUri));
  }

  async find(communityId: string, sourceUri: string, kind: string): Promise<{ activityUri: string; json: unknown } | null> {
    const row = await this.db.selectFrom("community_activities").select(["activity_uri", "json"])
      .where("community_id", "=", communityId).where("source_uri", "=", sourceUri).where("kind", "=", kind)
      .executeTakeFirst();
    return row ? { activityUri: row.activity_uri, json: JSON.parse(row.json) } : null;
  }

  /**
   * Frees the claims of `kinds` for `sourceUri`, keeping the rows (and the
   * outbox history) under a retired kind, so the next claim gets a fresh id:
   * receivers drop an activity whose id they have seen before.
   */
  async retire(communityId: string, sourceUri: string, kinds: string[]): Promise<void> {
    for (const kind of kinds) {
      await this.db.updateTable("community_activities").set({ kind: `${kind}#retired-${crypto.randomUUID()}` })
        .where("community_id", "=", communityId).where("source_uri", "=", sourceUri).where("kind", "=", kind).execute();
    }
  }

  async saveJson(activityUri: string, json: unknown): Promise<void> {
    await this.db.updateTable("community_activities").set({ json: JSON.stringify(json) })
      .where("activity_uri", "=", activityUri).execute();
  }

  /** Records the JSON of several activities sent together, in one statement. */
  async saveJsonMany(entries: { activityUri: string; json: unknown }[]): Promise<void> {
    if (entries.length <= 1) {
      for (const e of entries) await this.saveJson(e.activityUri, e.json);
      return;
    }
    const cases = sql.join(entries.map((e) => sql`when ${e.activityUri} then ${JSON.stringify(e.json)}`), sql` `);
    await this.db.updateTable("community_activities").set({ json: sql<string>`case activity_uri ${cases} end` })
      .where("activity_uri", "in", entries.map((e) => e.activityUri)).execute();
  }

  async getByUri(activityUri: string): Promise<RecordedActivity | null> {
    const row = await this.db.selectFrom("community_activities").selectAll()
      .where("activity_uri", "=", activityUri).executeTakeFirst();
    return row ? { id: row.id, activityUri: row.activity_uri, kind: row.kind, json: JSON.parse(row.json), createdAt: row.created_at } : null;
  }

  /**
   * What the outbox shows: recorded activities, except answers to follow
   * requests (addressed to the follower alone: they would list who asked
   * to join) and those caused by a post a moderator removed (its Create,
   * or the boost of its object).
   */
  private visible(communityId: string) {
    return this.db.selectFrom("community_activities as ca")
      .where("ca.community_id", "=", communityId).where("ca.json", "!=", "null")
      .where("ca.kind", "not in", ["accept", "reject"])
      .where((eb) => eb.not(eb.exists(eb.selectFrom("posts as p").select("p.id")
        .where("p.community_id", "=", communityId).where("p.removed_at", "is not", null)
        .where((w) => w.or([w("p.object_uri", "=", w.ref("ca.source_uri")), w("p.activity_uri", "=", w.ref("ca.source_uri"))])))));
  }

  /** Newest first, only activities whose JSON has been recorded. */
  async page(communityId: string, limit: number, offset: number): Promise<RecordedActivity[]> {
    const rows = await this.visible(communityId).selectAll("ca")
      .orderBy("created_at", "desc").orderBy("id").limit(limit).offset(offset).execute();
    return rows.map((row) => ({ id: row.id, activityUri: row.activity_uri, kind: row.kind, json: JSON.parse(row.json), createdAt: row.created_at }));
  }

  async count(communityId: string): Promise<number> {
    const r = await this.visible(communityId).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
