import type { Kysely } from "kysely";
import type { Community, PostingPolicy, Scale, Stream } from "../../domain/community.ts";
import { ReusableQuery } from "../reusable-query.ts";
import type { CommunityRow, Database } from "../schema.ts";

export interface NewCommunity {
  slug: string;
  name: string;
  summary?: string;
  scale?: Scale;
  stream?: Stream | null;
  languages?: string[];
  closed?: boolean;
  postingPolicy?: PostingPolicy;
  announcementOnly?: boolean;
  rules?: string;
  goal?: string | null;
  endsAt?: string | null;
  maxMembers?: number | null;
}

export type CommunityChanges = Partial<Omit<NewCommunity, "slug">>;

export function toCommunity(row: CommunityRow): Community {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    summary: row.summary,
    scale: row.scale as Scale,
    stream: row.stream as Stream | null,
    languages: JSON.parse(row.languages) as string[],
    closed: row.closed === 1,
    postingPolicy: row.posting_policy as PostingPolicy,
    announcementOnly: row.announcement_only === 1,
    rules: row.rules,
    goal: row.goal ?? null,
    endsAt: row.ends_at ?? null,
    archivedAt: row.archived_at ?? null,
    maxMembers: row.max_members ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

export class CommunityRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async create(input: NewCommunity): Promise<Community> {
    const now = new Date().toISOString();
    const row = await this.db.insertInto("communities").values({
      id: crypto.randomUUID(),
      slug: input.slug,
      name: input.name,
      summary: input.summary ?? "",
      scale: input.scale ?? "local",
      stream: input.stream ?? null,
      languages: JSON.stringify(input.languages ?? []),
      closed: input.closed ? 1 : 0,
      posting_policy: input.postingPolicy ?? "members",
      announcement_only: input.announcementOnly ? 1 : 0,
      rules: input.rules ?? "",
      goal: input.goal ?? null,
      ends_at: input.endsAt ?? null,
      max_members: input.maxMembers ?? null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    }).returningAll().executeTakeFirstOrThrow();
    return toCommunity(row);
  }

  // Looked up several times per activity relayed: compiled once (src/db/reusable-query.ts).
  #bySlug?: ReusableQuery<{ slug: "string" }, CommunityRow>;
  #byId?: ReusableQuery<{ id: "string" }, CommunityRow>;

  /** Finds a community by slug, tombstones included. */
  async findBySlug(slug: string): Promise<Community | null> {
    this.#bySlug ??= new ReusableQuery({ slug: "string" }, (p) => this.db.selectFrom("communities").selectAll().where("slug", "=", p.slug));
    const [row] = await this.#bySlug.execute(this.db, { slug });
    return row ? toCommunity(row) : null;
  }

  async findById(id: string): Promise<Community | null> {
    this.#byId ??= new ReusableQuery({ id: "string" }, (p) => this.db.selectFrom("communities").selectAll().where("id", "=", p.id));
    const [row] = await this.#byId.execute(this.db, { id });
    return row ? toCommunity(row) : null;
  }

  /** Live communities, oldest first. */
  async list(): Promise<Community[]> {
    const rows = await this.db.selectFrom("communities").selectAll()
      .where("deleted_at", "is", null).orderBy("created_at").orderBy("slug").execute();
    return rows.map(toCommunity);
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom("communities").select((eb) => eb.fn.countAll<number>().as("n"))
      .where("deleted_at", "is", null).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async update(slug: string, changes: CommunityChanges): Promise<Community | null> {
    const values: Record<string, unknown> = { updated_at: new Date().toISOString() };
    if (changes.name !== undefined) values.name = changes.name;
    if (changes.summary !== undefined) values.summary = changes.summary;
    if (changes.scale !== undefined) values.scale = changes.scale;
    if (changes.stream !== undefined) values.stream = changes.stream;
    if (changes.languages !== undefined) values.languages = JSON.stringify(changes.languages);
    if (changes.closed !== undefined) values.closed = changes.closed ? 1 : 0;
    if (changes.postingPolicy !== undefined) values.posting_policy = changes.postingPolicy;
    if (changes.announcementOnly !== undefined) values.announcement_only = changes.announcementOnly ? 1 : 0;
    if (changes.rules !== undefined) values.rules = changes.rules;
    if (changes.goal !== undefined) values.goal = changes.goal;
    if (changes.endsAt !== undefined) values.ends_at = changes.endsAt;
    if (changes.maxMembers !== undefined) values.max_members = changes.maxMembers;
    const row = await this.db.updateTable("communities").set(values)
      .where("slug", "=", slug).where("deleted_at", "is", null).returningAll().executeTakeFirst();
    return row ? toCommunity(row) : null;
  }

  /** Marks a working group archived; false if it already was (or is gone). */
  async markArchived(id: string, at: string = new Date().toISOString()): Promise<boolean> {
    const r = await this.db.updateTable("communities").set({ archived_at: at, updated_at: at })
      .where("id", "=", id).where("archived_at", "is", null).where("deleted_at", "is", null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Live, unarchived communities whose end date is at or before `now`. */
  async dueForArchive(now: string): Promise<Community[]> {
    const rows = await this.db.selectFrom("communities").selectAll()
      .where("deleted_at", "is", null).where("archived_at", "is", null)
      .where("ends_at", "is not", null).where("ends_at", "<=", now).execute();
    return rows.map(toCommunity);
  }

  /** Turns the community into a tombstone and drops its members and posts. */
  async markDeleted(id: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable("communities").set({ deleted_at: now, updated_at: now }).where("id", "=", id).execute();
      await trx.deleteFrom("memberships").where("community_id", "=", id).execute();
      await trx.deleteFrom("posts").where("community_id", "=", id).execute();
    });
  }
}
