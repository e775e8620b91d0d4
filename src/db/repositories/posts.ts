import { type Kysely, sql } from "kysely";
import type { Attachment } from "../../domain/media.ts";
import { writePerTurn } from "../batcher.ts";
import type { Database, PostRow } from "../schema.ts";

/** What an object says about itself; replaced as a whole on each edit. */
export interface PostBody {
  name: string | null;
  summary: string | null;
  /** The remote HTML as received; sanitised when rendered. */
  content: string | null;
  url: string | null;
  sensitive?: boolean | null;
  startsAt?: string | null;
  endsAt?: string | null;
  location?: string | null;
}

export interface NewPost extends PostBody {
  communityId: string;
  objectUri: string;
  activityUri: string | null;
  authorUri: string;
  type: string;
  inReplyTo: string | null;
  published: string;
  attachments?: Attachment[];
  /** BCP 47 tag of the content, when the post says. */
  language?: string | null;
}

export interface PostEdit extends PostBody {
  updated: string;
  attachments?: Attachment[];
  language?: string | null;
}

export type ThreadSort = "new" | "active";

/** A position in a community's list of threads: the sort key and the row id. */
export interface ListingCursor {
  at: string;
  id: string;
}

export interface ThreadListing {
  rows: PostRow[];
  /** Cursors for the neighbouring pages, null at either end. */
  older: ListingCursor | null;
  newer: ListingCursor | null;
}

/** Most replies a thread page shows, and how deep it follows them. */
export const THREAD_MAX_REPLIES = 500;
export const THREAD_MAX_DEPTH = 30;

function bodyColumns(b: PostBody & { attachments?: Attachment[]; language?: string | null }) {
  return {
    name: b.name,
    summary: b.summary,
    content: b.content,
    url: b.url,
    sensitive: b.sensitive === undefined || b.sensitive === null ? null : b.sensitive ? 1 : 0,
    starts_at: b.startsAt ?? null,
    ends_at: b.endsAt ?? null,
    location: b.location ?? null,
    ...(b.attachments !== undefined ? { attachments: JSON.stringify(b.attachments) } : {}),
    ...(b.language !== undefined ? { language: b.language } : {}),
  };
}

/** The row of a new post, received `now`, in the thread `threadUri` (null: it starts one). */
function newRow(p: NewPost, now: string, threadUri: string | null) {
  return {
    id: crypto.randomUUID(),
    community_id: p.communityId,
    object_uri: p.objectUri,
    activity_uri: p.activityUri,
    author_uri: p.authorUri,
    type: p.type,
    in_reply_to: p.inReplyTo,
    ...bodyColumns(p),
    published: p.published,
    updated: null,
    deleted_at: null,
    received_at: now,
    attachments: JSON.stringify(p.attachments ?? []),
    language: p.language ?? null,
    thread_uri: threadUri,
    last_activity_at: now,
  };
}

export class PostRepository {
  private readonly db: Kysely<Database>;
  /**
   * The insert of a post that replies to nothing; those asked in one turn
   * share one statement (a burst of incoming posts reaches this insert in
   * step: src/db/batcher.ts). Each answers the row it inserted, or null.
   */
  readonly #insertOne: (post: NewPost) => Promise<PostRow | null>;

  constructor(db: Kysely<Database>) {
    this.db = db;
    this.#insertOne = writePerTurn((posts) => this.#insertTopLevel(posts));
  }

  /** Stores a post once per community; returns whether it was new. A reply
   *  whose parent is held in the same community joins the parent's thread
   *  and makes it the most recently active. */
  async insertIfAbsent(p: NewPost): Promise<{ inserted: boolean; post: PostRow }> {
    let row: PostRow | undefined;
    if (p.inReplyTo === null) {
      row = (await this.#insertOne(p)) ?? undefined;
    } else {
      const now = new Date().toISOString();
      const parent = await this.find(p.communityId, p.inReplyTo);
      const threadUri = parent === null ? null : parent.thread_uri ?? parent.object_uri;
      row = await this.db.insertInto("posts").values(newRow(p, now, threadUri))
        .onConflict((oc) => oc.columns(["community_id", "object_uri"]).doNothing()).returningAll().executeTakeFirst();
      if (row && threadUri !== null) {
        await this.db.updateTable("posts").set({ last_activity_at: now })
          .where("community_id", "=", p.communityId).where("object_uri", "=", threadUri).execute();
      }
    }
    // The row as inserted, or the one already there (read only then).
    const post = row ?? await this.db.selectFrom("posts").selectAll()
      .where("community_id", "=", p.communityId).where("object_uri", "=", p.objectUri).executeTakeFirstOrThrow();
    return { inserted: row !== undefined, post };
  }

  /**
   * Inserts posts that reply to nothing, in one statement: for each, the
   * row it inserted, or null when the community had the post already (or
   * an earlier one of `posts` is the same post).
   */
  async #insertTopLevel(posts: NewPost[]): Promise<(PostRow | null)[]> {
    const now = new Date().toISOString();
    const keyOf = (communityId: string, objectUri: string) => JSON.stringify([communityId, objectUri]);
    const rows = await this.db.insertInto("posts").values(posts.map((p) => newRow(p, now, null)))
      .onConflict((oc) => oc.columns(["community_id", "object_uri"]).doNothing()).returningAll().execute();
    const inserted = new Map(rows.map((r) => [keyOf(r.community_id, r.object_uri), r]));
    return posts.map((p) => {
      const key = keyOf(p.communityId, p.objectUri);
      const row = inserted.get(key) ?? null;
      inserted.delete(key);
      return row;
    });
  }

  /** Every community's copy of an object (an object has one home, but may be rolled up elsewhere later). */
  async findByObject(objectUri: string): Promise<PostRow[]> {
    return this.db.selectFrom("posts").selectAll().where("object_uri", "=", objectUri).execute();
  }

  async applyEdit(id: string, edit: PostEdit): Promise<void> {
    await this.db.updateTable("posts").set({ ...bodyColumns(edit), updated: edit.updated }).where("id", "=", id).execute();
  }

  async markDeleted(id: string): Promise<void> {
    await this.db.updateTable("posts").set({
      deleted_at: new Date().toISOString(), content: null, name: null, summary: null, location: null, attachments: "[]",
    })
      .where("id", "=", id).execute();
  }

  /** The author undid their deletion: the post is back, as its origin now serves it. */
  async restore(id: string, body: PostEdit): Promise<void> {
    await this.db.updateTable("posts").set({ ...bodyColumns(body), updated: body.updated, deleted_at: null })
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

  async byId(id: string): Promise<PostRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    return (await this.db.selectFrom("posts").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
  }

  /**
   * A page of a community's threads (first posts, and replies whose parent
   * is not here), pinned ones left out: "new" by arrival, "active" by the
   * newest reply. Keyset-paged, so new posts never shift a page: `before`
   * gives the page after a cursor (older), `after` the page before it.
   */
  async threads(communityId: string, options: { sort: ThreadSort; limit: number; before?: ListingCursor; after?: ListingCursor }): Promise<ThreadListing> {
    const key = options.sort === "new" ? sql<string>`received_at` : sql<string>`coalesce(last_activity_at, received_at)`;
    const base = () => this.db.selectFrom("posts").selectAll()
      .where("community_id", "=", communityId).where("thread_uri", "is", null).where("pinned_at", "is", null)
      .where("deleted_at", "is", null).where("removed_at", "is", null);
    const cursorOf = (row: PostRow): ListingCursor => ({
      at: options.sort === "new" ? row.received_at : row.last_activity_at ?? row.received_at, id: row.id,
    });
    const older = (c: ListingCursor) => sql<boolean>`(${key} < ${c.at} or (${key} = ${c.at} and id < ${c.id}))`;
    const newer = (c: ListingCursor) => sql<boolean>`(${key} > ${c.at} or (${key} = ${c.at} and id > ${c.id}))`;
    const limit = options.limit;
    let rows: PostRow[];
    let moreOlder: boolean;
    let moreNewer: boolean;
    if (options.after) {
      const found = await base().where(newer(options.after)).orderBy(key, "asc").orderBy("id", "asc").limit(limit + 1).execute();
      moreNewer = found.length > limit;
      rows = found.slice(0, limit).reverse();
      moreOlder = true;
    } else {
      let q = base();
      if (options.before) q = q.where(older(options.before));
      const found = await q.orderBy(key, "desc").orderBy("id", "desc").limit(limit + 1).execute();
      moreOlder = found.length > limit;
      rows = found.slice(0, limit);
      moreNewer = options.before !== undefined;
    }
    // Paging "newer" back to the top: the first page has nothing newer.
    if (rows.length > 0 && moreNewer) {
      const top = await base().where(newer(cursorOf(rows[0]))).select("id").limit(1).execute();
      moreNewer = top.length > 0;
    }
    return {
      rows,
      older: moreOlder && rows.length > 0 ? cursorOf(rows[rows.length - 1]) : null,
      newer: moreNewer && rows.length > 0 ? cursorOf(rows[0]) : null,
    };
  }

  /** Replies under a post in its community, breadth first, bounded. */
  async replies(communityId: string, objectUri: string): Promise<PostRow[]> {
    const out: PostRow[] = [];
    const seen = new Set<string>([objectUri]);
    let frontier = [objectUri];
    for (let depth = 0; frontier.length > 0 && depth < THREAD_MAX_DEPTH && out.length < THREAD_MAX_REPLIES; depth++) {
      const rows = await this.db.selectFrom("posts").selectAll()
        .where("community_id", "=", communityId).where("in_reply_to", "in", frontier)
        .orderBy("received_at").orderBy("id").limit(THREAD_MAX_REPLIES - out.length).execute();
      frontier = [];
      for (const row of rows) {
        if (seen.has(row.object_uri)) continue;
        seen.add(row.object_uri);
        out.push(row);
        frontier.push(row.object_uri);
      }
    }
    return out;
  }

  /** Visible replies in the threads of these first posts, per thread. */
  async replyCounts(communityId: string, objectUris: string[]): Promise<Map<string, number>> {
    if (objectUris.length === 0) return new Map();
    const rows = await this.db.selectFrom("posts").select(["thread_uri", (eb) => eb.fn.countAll<number>().as("n")])
      .where("community_id", "=", communityId).where("thread_uri", "in", objectUris)
      .where("deleted_at", "is", null).where("removed_at", "is", null).groupBy("thread_uri").execute();
    return new Map(rows.map((r) => [r.thread_uri!, Number(r.n)]));
  }

  /** The newest visible posts, for feeds. */
  async newest(communityId: string, limit: number): Promise<PostRow[]> {
    return this.db.selectFrom("posts").selectAll()
      .where("community_id", "=", communityId).where("deleted_at", "is", null).where("removed_at", "is", null)
      .orderBy("received_at", "desc").orderBy("id", "desc").limit(limit).execute();
  }

  /** Every post of a community for the console, newest first, removed ones included. */
  async forModeration(communityId: string, options: { limit: number; offset: number; removedOnly?: boolean }): Promise<PostRow[]> {
    let q = this.db.selectFrom("posts").selectAll().where("community_id", "=", communityId).where("deleted_at", "is", null);
    if (options.removedOnly) q = q.where("removed_at", "is not", null);
    return q.orderBy("received_at", "desc").orderBy("id", "desc").limit(options.limit).offset(options.offset).execute();
  }
}
