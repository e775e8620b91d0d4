import type { Kysely } from "kysely";
import type { Database, PostRow } from "../schema.ts";

export interface NewPost {
  communityId: string;
  objectUri: string;
  activityUri: string | null;
  authorUri: string;
  type: string;
  inReplyTo: string | null;
  name: string | null;
  summary: string | null;
  /** The remote HTML as received; sanitised when rendered. */
  content: string | null;
  url: string | null;
  published: string;
}

export interface PostEdit {
  name: string | null;
  summary: string | null;
  content: string | null;
  url: string | null;
  updated: string;
}

export class PostRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  /** Stores a post once per community; returns whether it was new. */
  async insertIfAbsent(p: NewPost): Promise<{ inserted: boolean; post: PostRow }> {
    const now = new Date().toISOString();
    const r = await this.db.insertInto("posts").values({
      id: crypto.randomUUID(),
      community_id: p.communityId,
      object_uri: p.objectUri,
      activity_uri: p.activityUri,
      author_uri: p.authorUri,
      type: p.type,
      in_reply_to: p.inReplyTo,
      name: p.name,
      summary: p.summary,
      content: p.content,
      url: p.url,
      published: p.published,
      updated: null,
      deleted_at: null,
      received_at: now,
    }).onConflict((oc) => oc.columns(["community_id", "object_uri"]).doNothing()).executeTakeFirst();
    const post = await this.db.selectFrom("posts").selectAll()
      .where("community_id", "=", p.communityId).where("object_uri", "=", p.objectUri).executeTakeFirstOrThrow();
    return { inserted: Number(r.numInsertedOrUpdatedRows ?? 0n) > 0, post };
  }

  /** Every community's copy of an object (an object has one home, but may be rolled up elsewhere later). */
  async findByObject(objectUri: string): Promise<PostRow[]> {
    return this.db.selectFrom("posts").selectAll().where("object_uri", "=", objectUri).execute();
  }

  async applyEdit(id: string, edit: PostEdit): Promise<void> {
    await this.db.updateTable("posts").set(edit).where("id", "=", id).execute();
  }

  async markDeleted(id: string): Promise<void> {
    await this.db.updateTable("posts").set({ deleted_at: new Date().toISOString(), content: null, name: null, summary: null })
      .where("id", "=", id).execute();
  }

  /** Visible posts (neither deleted nor removed), pinned first, then newest. */
  async recent(communityId: string, limit = 20): Promise<PostRow[]> {
    return this.db.selectFrom("posts").selectAll()
      .where("community_id", "=", communityId).where("deleted_at", "is", null).where("removed_at", "is", null)
      .orderBy((eb) => eb.case().when("pinned_at", "is", null).then(1).else(0).end())
      .orderBy("pinned_at", "desc").orderBy("received_at", "desc").limit(limit).execute();
  }

  async find(communityId: string, objectUri: string): Promise<PostRow | null> {
    return (await this.db.selectFrom("posts").selectAll()
      .where("community_id", "=", communityId).where("object_uri", "=", objectUri).executeTakeFirst()) ?? null;
  }

  /** A moderator's removal (null restores the post). */
  async setRemoved(id: string, removed: { reason: string | null } | null): Promise<void> {
    await this.db.updateTable("posts").set(removed
      ? { removed_at: new Date().toISOString(), removal_reason: removed.reason }
      : { removed_at: null, removal_reason: null }).where("id", "=", id).execute();
  }

  async setPinned(id: string, pinned: boolean): Promise<void> {
    await this.db.updateTable("posts").set({ pinned_at: pinned ? new Date().toISOString() : null }).where("id", "=", id).execute();
  }

  async setLocked(id: string, locked: boolean): Promise<void> {
    await this.db.updateTable("posts").set({ locked_at: locked ? new Date().toISOString() : null }).where("id", "=", id).execute();
  }

  /** Pinned visible posts, most recently pinned first (the featured collection). */
  async pinned(communityId: string): Promise<PostRow[]> {
    return this.db.selectFrom("posts").selectAll()
      .where("community_id", "=", communityId).where("pinned_at", "is not", null)
      .where("deleted_at", "is", null).where("removed_at", "is", null)
      .orderBy("pinned_at", "desc").execute();
  }

  async count(options: { replies?: boolean } = {}): Promise<number> {
    let q = this.db.selectFrom("posts").select((eb) => eb.fn.countAll<number>().as("n"))
      .where("deleted_at", "is", null).where("removed_at", "is", null);
    if (options.replies === true) q = q.where("in_reply_to", "is not", null);
    if (options.replies === false) q = q.where("in_reply_to", "is", null);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }
}
