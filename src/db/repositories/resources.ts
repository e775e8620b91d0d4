// A community's resources (articles and links), their versions, and the
// practice status marks communities make or receive.
import type { Kysely } from "kysely";
import type { Database, PracticeMarkRow, ResourceRow, ResourceVersionRow } from "../schema.ts";

export interface ResourceContent {
  kind: string;
  language: string | null;
  title: string;
  url: string | null;
  source: string | null;
  html: string | null;
}

export class ResourceRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  /** Creates the resource and its first version in one transaction. */
  async create(communityId: string, form: "article" | "link", content: ResourceContent, author: string): Promise<ResourceRow> {
    const now = new Date().toISOString();
    const row: ResourceRow = {
      id: crypto.randomUUID(), community_id: communityId, form, ...content, version: 1, practice_status: null,
      created_at: now, updated_at: now, deleted_at: null,
    };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto("resources").values(row).execute();
      await tx.insertInto("resource_versions").values({ resource_id: row.id, version: 1, ...content, author, created_at: now }).execute();
    });
    return row;
  }

  /** Stores a new version and makes it current; returns the resource as it now is. */
  async addVersion(resource: ResourceRow, content: ResourceContent, author: string): Promise<ResourceRow> {
    const now = new Date().toISOString();
    const version = resource.version + 1;
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto("resource_versions").values({ resource_id: resource.id, version, ...content, author, created_at: now }).execute();
      await tx.updateTable("resources").set({ ...content, version, updated_at: now }).where("id", "=", resource.id).execute();
    });
    return { ...resource, ...content, version, updated_at: now };
  }

  async setPracticeStatus(id: string, status: string | null): Promise<void> {
    await this.db.updateTable("resources").set({ practice_status: status, updated_at: new Date().toISOString() }).where("id", "=", id).execute();
  }

  async markDeleted(id: string): Promise<void> {
    await this.db.updateTable("resources").set({ deleted_at: new Date().toISOString() }).where("id", "=", id).execute();
  }

  /** The resource, deleted or not. */
  async get(communityId: string, id: string): Promise<ResourceRow | null> {
    return (await this.db.selectFrom("resources").selectAll()
      .where("community_id", "=", communityId).where("id", "=", id).executeTakeFirst()) ?? null;
  }

  /** Live resources, newest first. */
  async list(communityId: string): Promise<ResourceRow[]> {
    return this.db.selectFrom("resources").selectAll()
      .where("community_id", "=", communityId).where("deleted_at", "is", null)
      .orderBy("created_at", "desc").orderBy("id").execute();
  }

  async versions(resourceId: string): Promise<ResourceVersionRow[]> {
    return this.db.selectFrom("resource_versions").selectAll().where("resource_id", "=", resourceId).orderBy("version").execute();
  }
}

export interface PracticeMarkInput {
  /** The id a new mark gets (a kept mark keeps its own). */
  id?: string;
  communityId: string;
  objectUri: string;
  status: string;
  note: string | null;
  direction: PracticeMarkRow["direction"];
  originUri: string;
  noteUri: string | null;
  title: string | null;
}

export class PracticeRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  /** Inserts or replaces the mark the origin made on the object, as seen by the community. */
  async put(m: PracticeMarkInput): Promise<PracticeMarkRow> {
    const now = new Date().toISOString();
    const values = { status: m.status, note: m.note, direction: m.direction, note_uri: m.noteUri, title: m.title, updated_at: now };
    await this.db.insertInto("practice_marks").values({
      id: m.id ?? crypto.randomUUID(), community_id: m.communityId, object_uri: m.objectUri, origin_uri: m.originUri, created_at: now, ...values,
    }).onConflict((oc) => oc.columns(["community_id", "object_uri", "origin_uri"]).doUpdateSet(values)).execute();
    return (await this.find(m.communityId, m.objectUri, m.originUri))!;
  }

  async find(communityId: string, objectUri: string, originUri: string): Promise<PracticeMarkRow | null> {
    return (await this.db.selectFrom("practice_marks").selectAll().where("community_id", "=", communityId)
      .where("object_uri", "=", objectUri).where("origin_uri", "=", originUri).executeTakeFirst()) ?? null;
  }

  async get(id: string): Promise<PracticeMarkRow | null> {
    return (await this.db.selectFrom("practice_marks").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
  }

  async list(communityId: string, options: { directions?: PracticeMarkRow["direction"][]; status?: string } = {}): Promise<PracticeMarkRow[]> {
    let q = this.db.selectFrom("practice_marks").selectAll().where("community_id", "=", communityId);
    if (options.directions) q = q.where("direction", "in", options.directions);
    if (options.status) q = q.where("status", "=", options.status);
    return q.orderBy("updated_at", "desc").orderBy("id").execute();
  }

  /** Every community's own mark on these objects (for badges). */
  async ownStatuses(communityId: string): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom("practice_marks").select(["object_uri", "status"])
      .where("community_id", "=", communityId).where("direction", "=", "own").execute();
    return new Map(rows.map((r) => [r.object_uri, r.status]));
  }
}
