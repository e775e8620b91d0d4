// SQLite: the partial index of the lane for messages of any other kind,
// which PostgreSQL has had since 0017. That lane's claims and its "is
// anything due" reads (src/db/queue-claim.ts) look for kinds *not* in a
// list, which no index on the kind serves: each, usually empty, read the
// whole queue (1.2 ms a read under the inbox benchmark's burst of 3,000
// posts). The index holds only that lane's messages, so it costs the other
// lanes' enqueues nothing. Its condition must stay the claim's
// (queue-claim.ts, OWN_KINDS), written the same, for SQLite to use it.
import { type Kysely, PostgresAdapter, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`create index if not exists fedify_message_other_lane_idx on fedify_message (queue, dead, available_at, seq)
    where kind is null or kind not in ('fanout', 'praxis:fanout', 'inbox', 'outbox')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`drop index if exists fedify_message_other_lane_idx`.execute(db);
}
