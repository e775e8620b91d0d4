// What the inbox reads for every incoming post, in one statement (on
// PostgreSQL each statement is a round trip, and a burst of posts is
// thousands of them): the community the post is addressed to, the actor's
// standing in it — membership, ban (its expiry), whether it speaks for one of
// the community's moderators — and when the actor's stored copy was fetched.
//
// On PostgreSQL the reads that concurrent handlers ask within one turn of
// the event loop are one statement between them (src/db/batch-loader.ts):
// the pairs travel as two arrays, so the statement's text, prepared once, is
// the same however many there are. Under a burst of posts the inbox lane's
// handlers reach this read in step (32 at a time, most turns); with the
// post's two writes batched alike (posts.ts, community-activities.ts), the
// worker's statements went from 4.5 to 1.1 per relayed post. On SQLite, in
// process, each read runs alone.
import { type Expression, type ExpressionBuilder, type Kysely, sql } from "kysely";
import { BatchLoader } from "../batch-loader.ts";
import { ReusableQuery } from "../reusable-query.ts";
import type { Dialect } from "../database.ts";
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

/** The pairs read in one batch at most (a turn's reads beyond it are split). */
const BATCH_MAX = 256;

interface ArrivalRow extends CommunityRow {
  standing_status: string | null;
  standing_ban: string | null;
  standing_moderator: unknown;
  actor_fetched_at: string | null;
}

function keyOf(slug: string, actorUri: string): string {
  return JSON.stringify([slug, actorUri]);
}

const READ_PARAMS = { slug: "string", actor: "string" } as const;

export class ArrivalRepository {
  readonly #db: Kysely<Database>;
  /**
   * One read: on PostgreSQL the reads of one turn, batched; on SQLite one
   * statement compiled once (four subqueries: Kysely took longer to build
   * it than SQLite to run it).
   */
  readonly #readOne: (slug: string, actor: string) => Promise<ArrivalRow | undefined>;

  constructor(db: Kysely<Database>, dialect: Dialect) {
    this.#db = db;
    if (dialect === "postgres") {
      const batch = new BatchLoader<string, ArrivalRow>((keys) => this.#readMany(keys));
      this.#readOne = async (slug, actor) => (await batch.load(keyOf(slug, actor))) ?? undefined;
    } else {
      const one = new ReusableQuery(READ_PARAMS, (p) => db.selectFrom("communities").selectAll("communities")
        .select((eb) => standing(eb, sql.val(p.actor)))
        .where("communities.slug", "=", p.slug));
      this.#readOne = async (slug, actor) => (await one.execute(db, { slug, actor }))[0];
    }
  }

  /** The community `slug` and `actorUri`'s standing in it; null if there is no such community. */
  async read(slug: string, actorUri: string): Promise<Arrival | null> {
    const row = await this.#readOne(slug, actorUri);
    return row ? toArrival(row) : null;
  }

  /** PostgreSQL: the rows of several (slug, actor) pairs, by key, one statement per BATCH_MAX pairs. */
  async #readMany(keys: string[]): Promise<Map<string, ArrivalRow>> {
    const found = new Map<string, ArrivalRow>();
    for (let i = 0; i < keys.length; i += BATCH_MAX) {
      const pairs = keys.slice(i, i + BATCH_MAX).map((k) => JSON.parse(k) as [string, string]);
      const asked = sql<{ slug: string; actor: string }>`unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[])`
        .as<"asked">(sql`asked(slug, actor)`);
      const rows = await this.#db.selectFrom(asked).innerJoin("communities", "communities.slug", "asked.slug")
        .selectAll("communities")
        .select((eb) => [...standing(eb, sql.ref<string>("asked.actor")), "asked.actor as asked_actor"])
        .execute();
      for (const { asked_actor, ...row } of rows) found.set(keyOf(row.slug, asked_actor), row);
    }
    return found;
  }
}

/** The standing of `actor` (a value, or a column of the batch) in the community of the row. */
function standing(eb: ExpressionBuilder<Database, "communities">, actor: Expression<string>) {
  return [
    eb.selectFrom("memberships").select("memberships.status")
      .whereRef("memberships.community_id", "=", "communities.id").where("memberships.actor_uri", "=", actor).as("standing_status"),
    // The ban, read once: null without one, "" for a permanent one, else its expiry.
    eb.selectFrom("community_bans").select((b) => sql<string>`coalesce(${b.ref("community_bans.expires_at")}, '')`.as("expiry"))
      .whereRef("community_bans.community_id", "=", "communities.id").where("community_bans.actor_uri", "=", actor).as("standing_ban"),
    eb.exists(eb.selectFrom("community_moderators")
      .innerJoin("accounts", "accounts.id", "community_moderators.account_id")
      .select("accounts.id")
      .whereRef("community_moderators.community_id", "=", "communities.id")
      .where("accounts.actor_uri", "=", actor)).as("standing_moderator"),
    eb.selectFrom("remote_actors").select("remote_actors.fetched_at")
      .where("remote_actors.uri", "=", actor).as("actor_fetched_at"),
  ] as const;
}

function toArrival(row: ArrivalRow): Arrival {
  // SQLite answers EXISTS with 0 or 1, PostgreSQL with a boolean.
  return {
    community: toCommunity(row),
    standing: {
      status: (row.standing_status ?? null) as MembershipStatus | null,
      ban: row.standing_ban == null ? null : { expiresAt: row.standing_ban === "" ? null : row.standing_ban },
      moderator: Number(row.standing_moderator) === 1,
    },
    actorFetchedAt: row.actor_fetched_at ?? null,
  };
}
