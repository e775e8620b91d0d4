// PostgreSQL: a queued message's `seq` from a sequence. Each row of an
// enqueue took MAX(seq) + its place; on PostgreSQL that was one backward
// index scan per row, and the newest end of the index, where recently
// delivered and deleted messages lie, is the part a table churned by a
// queue leaves full of dead entries until it is vacuumed: an enqueue of 54
// deliveries took 8 ms. `nextval` gives the same order (a message enqueued
// after another has committed sorts after it; concurrent enqueues may
// interleave, as they could tie before) for the cost of a counter. SQLite
// keeps MAX(seq) + 1: its one writer reads it from the index's last page.
// The sequence starts after the highest seq queued. Stop every process
// before upgrading (README, "Upgrading"): an older process still numbering by
// MAX(seq) beside a newer one could put a later message of an ordering key
// before an earlier one.
// The worker now also analyses the table during bursts (src/db/queue-vacuum.ts):
// the columns no statement filters or sorts on (payloads, kilobytes each, and
// errors) are left out of its statistics, which would otherwise read every
// payload. The index on seq alone served MAX(seq): on PostgreSQL it is only
// upkeep now, and is dropped (SQLite keeps it).
// The claims of the lane for messages of any other kind (src/db/queue-claim.ts)
// look for kinds *not* in a list, which no index on the kind serves: each
// claim of that lane, usually empty, read the whole queue, and every burst
// from another process wakes it. A partial index holds only its messages.
// Its condition must stay the claim's (queue-claim.ts, OWN_KINDS).
import { type Kysely, PostgresAdapter, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create sequence if not exists praxis_message_seq`.execute(db);
  await sql`select setval('praxis_message_seq', coalesce((select max(seq) from fedify_message), 0) + 1, false)`.execute(db);
  for (const column of ["payload", "last_error"]) {
    await sql`alter table fedify_message alter column ${sql.ref(column)} set statistics 0`.execute(db);
  }
  await sql`drop index if exists fedify_message_seq_idx`.execute(db);
  await sql`create index if not exists fedify_message_other_lane_idx on fedify_message (queue, dead, available_at, seq)
    where kind is null or kind not in ('fanout', 'praxis:fanout', 'inbox', 'outbox')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`drop index if exists fedify_message_other_lane_idx`.execute(db);
  await sql`create index if not exists fedify_message_seq_idx on fedify_message (seq)`.execute(db);
  for (const column of ["payload", "last_error"]) {
    await sql`alter table fedify_message alter column ${sql.ref(column)} set statistics -1`.execute(db);
  }
  await sql`drop sequence if exists praxis_message_seq`.execute(db);
}
