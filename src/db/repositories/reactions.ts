import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";

export type ReactionKind = "like" | "dislike";

/** Likes and dislikes a community relayed, for the counts on its pages. */
export class ReactionRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  /** Records a reaction; a repeated one by the same actor counts once. */
  async add(r: { communityId: string; objectUri: string; actorUri: string; kind: ReactionKind; activityUri: string }): Promise<void> {
    await this.db.insertInto("post_reactions").values({
      community_id: r.communityId,
      object_uri: r.objectUri,
      actor_uri: r.actorUri,
      kind: r.kind,
      activity_uri: r.activityUri,
      created_at: new Date().toISOString(),
    }).onConflict((oc) => oc.columns(["community_id", "object_uri", "actor_uri", "kind"]).doNothing()).execute();
  }

  /** Forgets the reaction an Undo names (by the reaction's id, from its actor). */
  async remove(activityUri: string, actorUri: string): Promise<void> {
    await this.db.deleteFrom("post_reactions").where("activity_uri", "=", activityUri).where("actor_uri", "=", actorUri).execute();
  }

  /** Likes per object in one community. */
  async likeCounts(communityId: string, objectUris: string[]): Promise<Map<string, number>> {
    if (objectUris.length === 0) return new Map();
    const rows = await this.db.selectFrom("post_reactions").select(["object_uri", (eb) => eb.fn.countAll<number>().as("n")])
      .where("community_id", "=", communityId).where("kind", "=", "like").where("object_uri", "in", objectUris)
      .groupBy("object_uri").execute();
    return new Map(rows.map((r) => [r.object_uri, Number(r.n)]));
  }
}
