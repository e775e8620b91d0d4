// What the inbox reads for every incoming post, in one statement (on
// PostgreSQL each statement is a round trip, and a burst of posts is
// thousands of them): the community the post is addressed to, the actor's
// standing in it — membership, ban (its expiry), whether it speaks for one of
// the community's moderators — and when the actor's stored copy was fetched.
import { type Kysely, sql } from "kysely";
import type { Community } from "../../domain/community.ts";
import type { MembershipStatus } from "../../domain/membership.ts";
import type { CommunityRow, Database } from "../schema.ts";
import { toCommunity } from "./communities.ts";

export interface Standing {
  status: MembershipStatus | null;
  /** The actor's ban in the community, if any (expiresAt null: permanent). */
  ban: { expiresAt: string | null } | null;
  moderator: boolean;
}

export interface Arrival {
  community: Community;
  standing: Standing;
  /** When the actor's stored copy was fetched; null if none is stored. */
  actorFetchedAt: string | null;
}

export class ArrivalRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The community `slug` and `actorUri`'s standing in it; null if there is no such community. */
  async read(slug: string, actorUri: string): Promise<Arrival | null> {
    const row = await this.#db.selectFrom("communities").selectAll("communities")
      .select((eb) => [
        eb.selectFrom("memberships").select("memberships.status")
          .whereRef("memberships.community_id", "=", "communities.id").where("memberships.actor_uri", "=", actorUri).as("standing_status"),
        // The ban, read once: null without one, "" for a permanent one, else its expiry.
        eb.selectFrom("community_bans").select((b) => sql<string>`coalesce(${b.ref("community_bans.expires_at")}, '')`.as("expiry"))
          .whereRef("community_bans.community_id", "=", "communities.id").where("community_bans.actor_uri", "=", actorUri).as("standing_ban"),
        eb.exists(eb.selectFrom("community_moderators")
          .innerJoin("accounts", "accounts.id", "community_moderators.account_id")
          .select("accounts.id")
          .whereRef("community_moderators.community_id", "=", "communities.id")
          .where("accounts.actor_uri", "=", actorUri)).as("standing_moderator"),
        eb.selectFrom("remote_actors").select("remote_actors.fetched_at")
          .where("remote_actors.uri", "=", actorUri).as("actor_fetched_at"),
      ])
      .where("communities.slug", "=", slug)
      .executeTakeFirst();
    if (!row) return null;
    // SQLite answers EXISTS with 0 or 1, PostgreSQL with a boolean.
    return {
      community: toCommunity(row as CommunityRow),
      standing: {
        status: (row.standing_status ?? null) as MembershipStatus | null,
        ban: row.standing_ban == null ? null : { expiresAt: row.standing_ban === "" ? null : row.standing_ban },
        moderator: Number(row.standing_moderator) === 1,
      },
      actorFetchedAt: row.actor_fetched_at ?? null,
    };
  }
}
