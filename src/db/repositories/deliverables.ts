// A working group's deliverables, and those of linked sub-communities as
// they arrived along a verified link (with the sub-community's state).
import type { Kysely } from "kysely";
import type { Deliverable, DeliverableStatus } from "../../domain/working-groups.ts";
import type { Database } from "../schema.ts";

export interface DeliverableChanges {
  title?: string;
  status?: DeliverableStatus;
  due?: string | null;
  resourceUri?: string | null;
}

export interface NetworkDeliverable {
  communityId: string;
  objectUri: string;
  groupUri: string;
  title: string;
  status: string;
  due: string | null;
  resourceUri: string | null;
  url: string | null;
  receivedAt: string;
}

export interface NetworkWorkingGroup {
  uri: string;
  name: string | null;
  goal: string | null;
  endsAt: string | null;
  archivedAt: string | null;
  fetchedAt: string;
}

function toDeliverable(r: Database["deliverables"]): Deliverable {
  return {
    id: r.id, communityId: r.community_id, title: r.title, status: r.status as DeliverableStatus, due: r.due,
    resourceUri: r.resource_uri, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export class DeliverableRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async create(communityId: string, input: { title: string; due: string | null; resourceUri: string | null }): Promise<Deliverable> {
    const now = new Date().toISOString();
    const row = await this.db.insertInto("deliverables").values({
      id: crypto.randomUUID(), community_id: communityId, title: input.title, status: "planned",
      due: input.due, resource_uri: input.resourceUri, created_at: now, updated_at: now,
    }).returningAll().executeTakeFirstOrThrow();
    return toDeliverable(row);
  }

  async get(communityId: string, id: string): Promise<Deliverable | null> {
    const row = await this.db.selectFrom("deliverables").selectAll()
      .where("community_id", "=", communityId).where("id", "=", id).executeTakeFirst();
    return row ? toDeliverable(row) : null;
  }

  async list(communityId: string): Promise<Deliverable[]> {
    const rows = await this.db.selectFrom("deliverables").selectAll()
      .where("community_id", "=", communityId).orderBy("created_at").orderBy("id").execute();
    return rows.map(toDeliverable);
  }

  async update(communityId: string, id: string, changes: DeliverableChanges): Promise<Deliverable | null> {
    const values: Record<string, unknown> = { updated_at: new Date().toISOString() };
    if (changes.title !== undefined) values.title = changes.title;
    if (changes.status !== undefined) values.status = changes.status;
    if (changes.due !== undefined) values.due = changes.due;
    if (changes.resourceUri !== undefined) values.resource_uri = changes.resourceUri;
    const row = await this.db.updateTable("deliverables").set(values)
      .where("community_id", "=", communityId).where("id", "=", id).returningAll().executeTakeFirst();
    return row ? toDeliverable(row) : null;
  }

  /** Stores (or refreshes) a linked sub-community's deliverable for the community. */
  async putNetwork(d: Omit<NetworkDeliverable, "receivedAt">): Promise<void> {
    const now = new Date().toISOString();
    await this.db.insertInto("network_deliverables").values({
      community_id: d.communityId, object_uri: d.objectUri, group_uri: d.groupUri, title: d.title, status: d.status,
      due: d.due, resource_uri: d.resourceUri, url: d.url, received_at: now,
    }).onConflict((oc) => oc.columns(["community_id", "object_uri"]).doUpdateSet({
      // received_at stays the first arrival: the order they are listed in.
      title: d.title, status: d.status, due: d.due, resource_uri: d.resourceUri, url: d.url,
    }).where("network_deliverables.group_uri", "=", d.groupUri)).execute();
  }

  /** The sub-communities' deliverables a community holds, by sub-community then arrival. */
  async listNetwork(communityId: string): Promise<NetworkDeliverable[]> {
    const rows = await this.db.selectFrom("network_deliverables").selectAll()
      .where("community_id", "=", communityId).orderBy("group_uri").orderBy("received_at").orderBy("object_uri").execute();
    return rows.map((r) => ({
      communityId: r.community_id, objectUri: r.object_uri, groupUri: r.group_uri, title: r.title, status: r.status,
      due: r.due, resourceUri: r.resource_uri, url: r.url, receivedAt: r.received_at,
    }));
  }

  async putGroup(g: Omit<NetworkWorkingGroup, "fetchedAt">): Promise<void> {
    const now = new Date().toISOString();
    await this.db.insertInto("network_working_groups").values({
      uri: g.uri, name: g.name, goal: g.goal, ends_at: g.endsAt, archived_at: g.archivedAt, fetched_at: now,
    }).onConflict((oc) => oc.column("uri").doUpdateSet({
      name: g.name, goal: g.goal, ends_at: g.endsAt, archived_at: g.archivedAt, fetched_at: now,
    })).execute();
  }

  async getGroup(uri: string): Promise<NetworkWorkingGroup | null> {
    const r = await this.db.selectFrom("network_working_groups").selectAll().where("uri", "=", uri).executeTakeFirst();
    return r ? { uri: r.uri, name: r.name, goal: r.goal, endsAt: r.ends_at, archivedAt: r.archived_at, fetchedAt: r.fetched_at } : null;
  }
}
