import type { Kysely } from "kysely";
import type { MembershipStatus } from "../../domain/membership.ts";
import type { Database } from "../schema.ts";
import { type ParamValues, ReusableQuery } from "../reusable-query.ts";

const PAGE_PARAMS = { communityId: "string", after: "string", limit: "number" } as const;
type DeliveryPageQuery = ReusableQuery<typeof PAGE_PARAMS, { actor_uri: string; inbox: string | null; shared_inbox: string | null }>;

export interface Member {
  actorUri: string;
  status: MembershipStatus;
  followId: string | null;
  message: string | null;
  requestedAt: string;
  acceptedAt: string | null;
  handle: string | null;
  name: string | null;
  inbox: string | null;
  sharedInbox: string | null;
}

/** A member and where deliveries to them go. */
export interface DeliveryTarget {
  actorUri: string;
  inbox: string | null;
  sharedInbox: string | null;
}

export class MembershipRepository {
  private readonly db: Kysely<Database>;
  /** A fan-out's pages, compiled once: the first, and those after a member. */
  readonly #pages: { first: DeliveryPageQuery; next: DeliveryPageQuery };

  constructor(db: Kysely<Database>) {
    this.db = db;
    const page = (p: ParamValues<typeof PAGE_PARAMS>, after: boolean) => db.selectFrom("memberships as m")
      .leftJoin("remote_actors as a", "a.uri", "m.actor_uri")
      .select(["m.actor_uri", "a.inbox", "a.shared_inbox"])
      .where("m.community_id", "=", p.communityId).where("m.status", "=", "accepted")
      .$if(after, (qb) => qb.where("m.actor_uri", ">", p.after))
      .orderBy("m.actor_uri").limit(p.limit);
    this.#pages = { first: new ReusableQuery(PAGE_PARAMS, (p) => page(p, false)), next: new ReusableQuery(PAGE_PARAMS, (p) => page(p, true)) };
  }

  async get(communityId: string, actorUri: string): Promise<Member | null> {
    const rows = await this.baseQuery(communityId).where("m.actor_uri", "=", actorUri).execute();
    return rows[0] ? toMember(rows[0]) : null;
  }

  async status(communityId: string, actorUri: string): Promise<MembershipStatus | null> {
    const row = await this.db.selectFrom("memberships").select("status")
      .where("community_id", "=", communityId).where("actor_uri", "=", actorUri).executeTakeFirst();
    return row?.status ?? null;
  }

  /** Records a follow request; an accepted member stays accepted. */
  async upsert(communityId: string, actorUri: string, status: MembershipStatus, followId: string | null, message: string | null = null): Promise<void> {
    const now = new Date().toISOString();
    await this.db.insertInto("memberships").values({
      community_id: communityId,
      actor_uri: actorUri,
      status,
      follow_id: followId,
      message,
      requested_at: now,
      accepted_at: status === "accepted" ? now : null,
    }).onConflict((oc) => oc.columns(["community_id", "actor_uri"]).doUpdateSet((eb) => ({
      follow_id: eb.ref("excluded.follow_id"),
      message: eb.ref("excluded.message"),
      // Never demote an accepted member back to pending.
      status: eb.case().when("memberships.status", "=", "accepted").then("accepted")
        .else(eb.ref("excluded.status")).end() as never,
      accepted_at: eb.fn.coalesce("memberships.accepted_at", eb.ref("excluded.accepted_at")),
    }))).execute();
  }

  async accept(communityId: string, actorUri: string): Promise<boolean> {
    const r = await this.db.updateTable("memberships")
      .set({ status: "accepted", accepted_at: new Date().toISOString() })
      .where("community_id", "=", communityId).where("actor_uri", "=", actorUri)
      .where("status", "=", "pending").executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async remove(communityId: string, actorUri: string): Promise<boolean> {
    const r = await this.db.deleteFrom("memberships")
      .where("community_id", "=", communityId).where("actor_uri", "=", actorUri).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Removes the membership a given Follow created (Undo by id only). */
  async removeByFollowId(actorUri: string, followId: string): Promise<boolean> {
    const r = await this.db.deleteFrom("memberships")
      .where("actor_uri", "=", actorUri).where("follow_id", "=", followId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Removes an actor from every community (their account was deleted). */
  async removeEverywhere(actorUri: string): Promise<number> {
    const r = await this.db.deleteFrom("memberships").where("actor_uri", "=", actorUri).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Whether an accepted member's actor lives on `origin` (e.g. https://mastodon.example). */
  async hasAcceptedMemberOn(communityId: string, origin: string): Promise<boolean> {
    const prefix = `${origin}/`;
    const row = await this.db.selectFrom("memberships").select("actor_uri")
      .where("community_id", "=", communityId).where("status", "=", "accepted")
      .where((eb) => eb(eb.fn("substr", ["actor_uri", eb.val(1), eb.val(prefix.length)]), "=", prefix))
      .limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async list(communityId: string, status: MembershipStatus, options: { limit?: number; offset?: number } = {}): Promise<Member[]> {
    let q = this.baseQuery(communityId).where("m.status", "=", status)
      .orderBy(status === "accepted" ? "m.accepted_at" : "m.requested_at").orderBy("m.actor_uri");
    if (options.limit !== undefined) q = q.limit(options.limit).offset(options.offset ?? 0);
    return (await q.execute()).map(toMember);
  }

  /**
   * Accepted members after `after` (an actor URI; null from the start), in
   * actor URI order, with where to deliver to them: a page of a fan-out,
   * read through the (community_id, status, actor_uri) index.
   */
  async deliveryPage(communityId: string, after: string | null, limit: number): Promise<DeliveryTarget[]> {
    const rows = after === null
      ? await this.#pages.first.execute(this.db, { communityId, after: "", limit })
      : await this.#pages.next.execute(this.db, { communityId, after, limit });
    return rows.map((r) => ({ actorUri: r.actor_uri, inbox: r.inbox, sharedInbox: r.shared_inbox }));
  }

  async count(communityId: string, status: MembershipStatus = "accepted"): Promise<number> {
    const r = await this.db.selectFrom("memberships").select((eb) => eb.fn.countAll<number>().as("n"))
      .where("community_id", "=", communityId).where("status", "=", status).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Distinct accepted members across the instance (NodeInfo). */
  async countDistinctMembers(): Promise<number> {
    const r = await this.db.selectFrom("memberships")
      .select((eb) => eb.fn.count<number>("actor_uri").distinct().as("n"))
      .where("status", "=", "accepted").executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Every actor with a membership or a request anywhere (domain blocks sweep them). */
  async distinctActorUris(): Promise<string[]> {
    const rows = await this.db.selectFrom("memberships").select("actor_uri").distinct().execute();
    return rows.map((r) => r.actor_uri);
  }

  private baseQuery(communityId: string) {
    return this.db.selectFrom("memberships as m")
      .leftJoin("remote_actors as a", "a.uri", "m.actor_uri")
      .select(["m.actor_uri", "m.status", "m.follow_id", "m.message", "m.requested_at", "m.accepted_at",
        "a.handle", "a.name", "a.inbox", "a.shared_inbox"])
      .where("m.community_id", "=", communityId);
  }
}

function toMember(r: {
  actor_uri: string; status: MembershipStatus; follow_id: string | null; message: string | null;
  requested_at: string; accepted_at: string | null; handle: string | null; name: string | null;
  inbox: string | null; shared_inbox: string | null;
}): Member {
  return {
    actorUri: r.actor_uri,
    status: r.status,
    followId: r.follow_id,
    message: r.message,
    requestedAt: r.requested_at,
    acceptedAt: r.accepted_at,
    handle: r.handle,
    name: r.name,
    inbox: r.inbox,
    sharedInbox: r.shared_inbox,
  };
}
