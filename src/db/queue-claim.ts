// The claim statement of the message queue (src/db/message-queue.ts): leases
// up to `limit` claimable messages of one lane in one statement.
//
// A message is claimable when it is due, not dead, not leased, and — if it
// has an ordering key — no other live message of its queue and key comes
// before it in `seq` order (ties broken by id) and none with its key is
// leased. Deliveries (the outbox lane) also respect `hostConcurrency`:
// hosts that already have that many leased messages are skipped outright,
// and within the batch a host gets no more than its remaining slots.
//
// On SQLite the claim is a single UPDATE, which holds the database's write
// lock while it selects and leases, so claims from several processes never
// lease the same message. On PostgreSQL the same UPDATE runs inside the
// function praxis_claim (migration 0016), one round trip: it first takes an
// advisory lock per queue, then runs the UPDATE with a snapshot taken once
// the lock is held, and skips rows locked by another.
import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from "kysely";
import type { Dialect } from "./database.ts";
import { type ParamValues, ReusableQuery } from "./reusable-query.ts";
import type { Database } from "./schema.ts";

/** Claim lanes: each kind of message has its own slots, so none waits behind another's backlog. */
export const LANES = ["fanout", "inbox", "outbox", "other"] as const;
export type Lane = typeof LANES[number];

/** The message kinds (Fedify's `type`, and Praxis's own fan-out) of each lane but "other", which takes the rest. */
export const LANE_KINDS: Readonly<Record<Exclude<Lane, "other">, readonly string[]>> = {
  fanout: ["fanout", "praxis:fanout"],
  inbox: ["inbox"],
  outbox: ["outbox"],
};
/**
 * The kinds of the lanes but "other". On PostgreSQL the "other" lane's
 * messages have a partial index whose condition lists them (migration 0017):
 * a change here needs a migration that makes the index again.
 */
export const OWN_KINDS: readonly string[] = Object.values(LANE_KINDS).flat();

/**
 * The condition that a message (its kind in `column`) belongs to `lane`,
 * the kinds written out as literals: the claim and the "when is the next
 * message due" query share it, and on PostgreSQL the "other" lane's partial
 * index serves only a query whose condition is written as its own is.
 */
export function inLane(lane: Lane, column: "kind" | "m.kind") {
  const kinds = (list: readonly string[]) => list.map((kind) => sql.lit(kind));
  return (eb: ExpressionBuilder<any, any>): Expression<SqlBool> => lane === "other"
    ? eb.or([eb(column, "is", null), eb(column, "not in", kinds(OWN_KINDS))])
    : eb(column, "in", kinds(LANE_KINDS[lane]));
}

/** The lane of a message of `kind`. */
export function laneOf(kind: string | null): Lane {
  for (const [lane, kinds] of Object.entries(LANE_KINDS)) if (kind !== null && kinds.includes(kind)) return lane as Lane;
  return "other";
}

export interface ClaimedRow {
  id: string;
  payload: string;
  attempts: number;
  ordering_key: string | null;
  seq: number;
}

export interface ClaimRequest {
  queue: string;
  lane: Lane;
  limit: number;
  token: string;
  now: number;
  leaseMs: number;
  /** Leased deliveries per host, across listeners; null: no cap. */
  hostConcurrency: number | null;
}

const CLAIM_PARAMS = { queue: "string", token: "string", now: "number", lockedUntil: "number", limit: "number", window: "number", cap: "number" } as const;
type ClaimQuery = ReusableQuery<typeof CLAIM_PARAMS, { id: string; payload: string; attempts: number | bigint | string; ordering_key: string | null; seq: number | bigint | string }>;

/**
 * The claim statement of each dialect, lane and capping, built and compiled
 * once (src/db/reusable-query.ts); on PostgreSQL with its text as
 * praxis_claim runs it.
 */
const claimQueries = new Map<string, { query: ClaimQuery; pgText: string | null }>();

/** The order of praxis_claim's arguments after the statement (migration 0016). */
const PG_CLAIM_ORDER = ["queue", "token", "now", "lockedUntil", "limit", "window", "cap"] as const;

/** Leases up to `limit` claimable messages of one lane, oldest first, in one statement. */
export async function claimMessages(db: Kysely<Database>, dialect: Dialect, request: ClaimRequest): Promise<ClaimedRow[]> {
  const { queue, lane, limit, token, now, leaseMs } = request;
  const cap = lane === "outbox" ? request.hostConcurrency : null;
  const key = `${dialect} ${lane} ${cap === null ? "uncapped" : "capped"}`;
  let claim = claimQueries.get(key);
  if (!claim) {
    const query: ClaimQuery = new ReusableQuery(CLAIM_PARAMS, (p) => buildClaim(db, dialect, lane, cap !== null, p));
    claim = { query, pgText: dialect === "postgres" ? query.numberedSql(PG_CLAIM_ORDER) : null };
    claimQueries.set(key, claim);
  }
  const values = { queue, token, now, lockedUntil: now + leaseMs, limit, window: Math.max(limit * 4, 64), cap: cap ?? 0 };
  // On PostgreSQL, EXECUTE plans it for the queue as it is at each claim, never from a cached plan.
  const rows = claim.pgText === null
    ? await claim.query.execute(db, values)
    : (await sql<ClaimedRow>`select * from praxis_claim(${claim.pgText}, ${values.queue}, ${values.token}, ${values.now}, ${values.lockedUntil}, ${values.limit}, ${values.window}, ${values.cap})`.execute(db)).rows;
  return rows.map((row) => ({ ...row, attempts: Number(row.attempts), seq: Number(row.seq) }));
}

function buildClaim(tx: Kysely<Database>, dialect: Dialect, lane: Lane, capped: boolean, p: ParamValues<typeof CLAIM_PARAMS>) {
  const { queue, token, now } = p;
  /** Leased messages per host. */
  const busy = tx.selectFrom("fedify_message as l")
    .select(["l.host", (eb) => eb.fn.countAll<number>().as("n")])
    .where("l.queue", "=", queue).where("l.dead", "=", 0)
    .where("l.locked_until", ">", now).where("l.host", "is not", null)
    .groupBy("l.host");
  const candidates = tx.selectFrom("fedify_message as m").select(["m.id", "m.host", "m.available_at", "m.seq"])
    .where("m.queue", "=", queue)
    .where(inLane(lane, "m.kind"))
    .where("m.dead", "=", 0)
    .where("m.available_at", "<=", now)
    .where((eb) => eb.or([eb("m.locked_until", "is", null), eb("m.locked_until", "<=", now)]))
    .where((eb) => eb.or([
      eb("m.ordering_key", "is", null),
      eb.not(eb.exists(eb.selectFrom("fedify_message as o").select("o.id")
        .whereRef("o.queue", "=", "m.queue")
        .whereRef("o.ordering_key", "=", "m.ordering_key")
        .where("o.dead", "=", 0)
        .where((o) => o.or([
          o("o.seq", "<", o.ref("m.seq")),
          o.and([o("o.seq", "=", o.ref("m.seq")), o("o.id", "<", o.ref("m.id"))]),
          // One message per key at a time, even one re-enqueued in its own place.
          o("o.locked_until", ">", now),
        ])))),
    ]))
    // Hosts already at their cap are skipped outright, so that the window
    // below is not filled with deliveries that cannot be taken.
    .$if(capped, (qb) => qb.where((eb) => eb.or([
      eb("m.host", "is", null),
      eb("m.host", "not in", busy.having((h) => h.fn.countAll(), ">=", p.cap).clearSelect().select("l.host")),
    ])))
    .orderBy("m.available_at").orderBy("m.seq")
    .limit(capped ? p.window : p.limit)
    .$if(dialect === "postgres", (qb) => qb.forUpdate().skipLocked());
  const claimable = !capped
    ? tx.selectFrom(candidates.as("c")).select("c.id")
    : tx.selectFrom(
      tx.selectFrom(candidates.as("c"))
        .leftJoin(busy.as("b"), (join) => join.onRef("b.host", "=", "c.host"))
        .select((eb) => [
          "c.id", "c.host", "c.available_at", "c.seq",
          sql<number>`row_number() over (partition by c.host order by c.available_at, c.seq)`.as("rank"),
          eb.fn.coalesce("b.n", sql<number>`0`).as("busy"),
        ])
        .as("r"))
      .select("r.id")
      .where((eb) => eb.or([eb("r.host", "is", null), eb(eb("r.rank", "+", eb.ref("r.busy")), "<=", p.cap)]))
      .orderBy("r.available_at").orderBy("r.seq")
      .limit(p.limit);
  return tx.updateTable("fedify_message")
    .set((eb) => ({ lease_token: token, locked_until: p.lockedUntil, attempts: eb("attempts", "+", 1) }))
    .where("id", "in", claimable)
    .returning(["id", "payload", "attempts", "ordering_key", "seq"]);
}

const LOOK_PARAMS = { queue: "string", now: "number" } as const;
type LookQuery = ReusableQuery<typeof LOOK_PARAMS, { available_at: number | bigint | string | null }>;
const lookQueries = new Map<string, { firstUnleased: LookQuery; nextDue: LookQuery }>();

function lookQueriesFor(db: Kysely<Database>, dialect: Dialect, lane: Lane) {
  const key = `${dialect} ${lane}`;
  let queries = lookQueries.get(key);
  if (!queries) {
    const live = (p: ParamValues<typeof LOOK_PARAMS>) => db.selectFrom("fedify_message")
      .where("queue", "=", p.queue).where(inLane(lane, "kind")).where("dead", "=", 0);
    queries = {
      firstUnleased: new ReusableQuery(LOOK_PARAMS, (p) => live(p)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", p.now)]))
        .select("available_at").orderBy("available_at").limit(1)),
      nextDue: new ReusableQuery(LOOK_PARAMS, (p) => live(p)
        .where("available_at", ">", p.now)
        .select((eb) => eb.fn.min("available_at").as("available_at"))),
    };
    lookQueries.set(key, queries);
  }
  return queries;
}

/**
 * When the first live message of `lane` that no lease holds came or comes
 * due; null when there is none. A read, where a claim is a write (on
 * SQLite, a statement of a tenth of a millisecond or more even on an empty
 * table): a lane that has come back short reads this before claiming
 * again. A message that is due may still not be claimable (its ordering key
 * or its host waits for a leased message), so "due" means "claim", and a
 * later time "nothing to claim until then".
 */
export async function firstUnleased(db: Kysely<Database>, dialect: Dialect, queue: string, lane: Lane, now: number): Promise<number | null> {
  const [row] = await lookQueriesFor(db, dialect, lane).firstUnleased.execute(db, { queue, now });
  return row === undefined || row.available_at === null ? null : Number(row.available_at);
}

/** When the next live message of `lane` that is not due yet comes due (a retry, a delayed delivery); null when there is none. */
export async function nextDue(db: Kysely<Database>, dialect: Dialect, queue: string, lane: Lane, now: number): Promise<number | null> {
  const [row] = await lookQueriesFor(db, dialect, lane).nextDue.execute(db, { queue, now });
  return row === undefined || row.available_at === null ? null : Number(row.available_at);
}
