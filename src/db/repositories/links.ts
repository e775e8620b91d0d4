import type { Attachment } from "../../domain/media.ts";
import type { Kysely } from "kysely";
import type {
  CommunityLinkRow, Database, LinkRelation, LinkStatus, NetworkNodeRow, NetworkPostRow,
} from "../schema.ts";

export interface LinkSettings {
  cascade: boolean;
  autoApprove: string[];
  promoteTags: string[];
}

/** Links between a local community and other Groups, and the network's settings. */
export class LinkRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async get(communityId: string, peerUri: string): Promise<CommunityLinkRow | null> {
    return (await this.db.selectFrom("community_links").selectAll()
      .where("community_id", "=", communityId).where("peer_uri", "=", peerUri).executeTakeFirst()) ?? null;
  }

  async byId(id: string): Promise<CommunityLinkRow | null> {
    return (await this.db.selectFrom("community_links").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
  }

  async byRequest(requestUri: string): Promise<CommunityLinkRow[]> {
    return this.db.selectFrom("community_links").selectAll().where("request_uri", "=", requestUri).execute();
  }

  /** Every local community linked (in any state) to the peer. */
  async withPeer(peerUri: string): Promise<CommunityLinkRow[]> {
    return this.db.selectFrom("community_links").selectAll().where("peer_uri", "=", peerUri).execute();
  }

  async list(communityId: string, filter: { statuses?: LinkStatus[]; relation?: LinkRelation } = {}): Promise<CommunityLinkRow[]> {
    let q = this.db.selectFrom("community_links").selectAll().where("community_id", "=", communityId);
    if (filter.statuses) q = q.where("status", "in", filter.statuses);
    if (filter.relation) q = q.where("relation", "=", filter.relation);
    return q.orderBy("created_at").orderBy("id").execute();
  }

  /** Creates or replaces the link between the community and the peer. */
  async put(link: {
    communityId: string; peerUri: string; relation: LinkRelation; status: LinkStatus;
    initiator: "local" | "remote"; requestUri: string | null;
  }): Promise<CommunityLinkRow> {
    const now = new Date().toISOString();
    const values = {
      id: crypto.randomUUID(),
      community_id: link.communityId,
      peer_uri: link.peerUri,
      relation: link.relation,
      status: link.status,
      initiator: link.initiator,
      request_uri: link.requestUri,
      verified_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto("community_links").values(values)
      .onConflict((oc) => oc.columns(["community_id", "peer_uri"]).doUpdateSet({
        relation: link.relation, status: link.status, initiator: link.initiator, request_uri: link.requestUri,
        verified_at: null, updated_at: now,
      })).execute();
    return (await this.get(link.communityId, link.peerUri))!;
  }

  async setStatus(id: string, status: LinkStatus, verified = false): Promise<void> {
    const now = new Date().toISOString();
    await this.db.updateTable("community_links")
      .set({ status, updated_at: now, ...(verified ? { verified_at: now } : {}) })
      .where("id", "=", id).execute();
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom("community_links").where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async settings(communityId: string): Promise<LinkSettings> {
    const row = await this.db.selectFrom("link_settings").selectAll().where("community_id", "=", communityId).executeTakeFirst();
    return {
      cascade: row ? row.cascade === 1 : true,
      autoApprove: row ? JSON.parse(row.auto_approve) as string[] : [],
      promoteTags: row ? JSON.parse(row.promote_tags) as string[] : [],
    };
  }

  async updateSettings(communityId: string, changes: Partial<LinkSettings>): Promise<LinkSettings> {
    const next = { ...(await this.settings(communityId)), ...changes };
    const values = {
      cascade: next.cascade ? 1 : 0,
      auto_approve: JSON.stringify(next.autoApprove),
      promote_tags: JSON.stringify(next.promoteTags),
    };
    await this.db.insertInto("link_settings").values({ community_id: communityId, ...values })
      .onConflict((oc) => oc.column("community_id").doUpdateSet(values)).execute();
    return next;
  }
}

export interface NetworkPostInput {
  communityId: string;
  objectUri: string;
  viaUri: string;
  direction: "up" | "down";
  authorUri: string | null;
  name: string | null;
  content: string | null;
  url: string | null;
  tags: string[];
  published: string | null;
  attachments?: Attachment[];
  language?: string | null;
}

/** Posts that reached a community along its links, with provenance. */
export class NetworkPostRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  /** Stores the post once per community; returns false if it was already held. */
  async insertIfAbsent(p: NetworkPostInput): Promise<boolean> {
    const r = await this.db.insertInto("network_posts").values({
      id: crypto.randomUUID(),
      community_id: p.communityId,
      object_uri: p.objectUri,
      via_uri: p.viaUri,
      direction: p.direction,
      author_uri: p.authorUri,
      name: p.name,
      content: p.content,
      url: p.url,
      tags: JSON.stringify(p.tags),
      published: p.published,
      received_at: new Date().toISOString(),
      promoted_at: null,
      withdrawn_at: null,
      attachments: JSON.stringify(p.attachments ?? []),
      language: p.language ?? null,
    }).onConflict((oc) => oc.columns(["community_id", "object_uri"]).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async find(communityId: string, objectUri: string): Promise<NetworkPostRow | null> {
    return (await this.db.selectFrom("network_posts").selectAll()
      .where("community_id", "=", communityId).where("object_uri", "=", objectUri).executeTakeFirst()) ?? null;
  }

  async byObject(objectUri: string): Promise<NetworkPostRow[]> {
    return this.db.selectFrom("network_posts").selectAll().where("object_uri", "=", objectUri).execute();
  }

  /** A held post's new version (an Update from its origin). */
  async refresh(id: string, fields: { name: string | null; content: string | null; url: string | null }): Promise<void> {
    await this.db.updateTable("network_posts").set(fields).where("id", "=", id).execute();
  }

  async markPromoted(id: string): Promise<void> {
    await this.db.updateTable("network_posts").set({ promoted_at: new Date().toISOString() }).where("id", "=", id).execute();
  }

  async markWithdrawn(id: string): Promise<void> {
    await this.db.updateTable("network_posts").set({ withdrawn_at: new Date().toISOString() })
      .where("id", "=", id).where("withdrawn_at", "is", null).execute();
  }

  /** Newest first, withdrawn ones left out. */
  async recent(communityId: string, direction: "up" | "down", limit = 20): Promise<NetworkPostRow[]> {
    return this.db.selectFrom("network_posts").selectAll()
      .where("community_id", "=", communityId).where("direction", "=", direction).where("withdrawn_at", "is", null)
      .orderBy("received_at", "desc").limit(limit).execute();
  }
}

export interface NetworkNodeInput {
  uri: string;
  handle: string | null;
  name: string | null;
  url: string | null;
  scale: string | null;
  closed: boolean;
  members: number | null;
  parents: string[];
  children: string[];
}

/** A cache of remote Groups as last fetched, for the network view. */
export class NetworkNodeRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async put(n: NetworkNodeInput): Promise<void> {
    const values = {
      handle: n.handle, name: n.name, url: n.url, scale: n.scale, closed: n.closed ? 1 : 0, members: n.members,
      parents: JSON.stringify(n.parents), children: JSON.stringify(n.children), fetched_at: new Date().toISOString(),
    };
    await this.db.insertInto("network_nodes").values({ uri: n.uri, ...values })
      .onConflict((oc) => oc.column("uri").doUpdateSet(values)).execute();
  }

  async get(uri: string): Promise<NetworkNodeRow | null> {
    return (await this.db.selectFrom("network_nodes").selectAll().where("uri", "=", uri).executeTakeFirst()) ?? null;
  }

  async forget(uri: string): Promise<void> {
    await this.db.deleteFrom("network_nodes").where("uri", "=", uri).execute();
  }
}
