// PostgreSQL: the queue's claim in one round trip (src/db/queue-claim.ts).
// A claim takes the queue's advisory lock and then selects and leases in a
// statement whose snapshot is taken once the lock is held, so that it sees
// every lease made before it. That was four round trips (BEGIN, the lock,
// the UPDATE, COMMIT); a function volatile takes a fresh snapshot for each
// statement it runs, so one call does the same. The claim's SQL is built by
// Kysely and passed in; EXECUTE plans it for the queue as it is each time.
// SQLite needs nothing: its claim is one UPDATE holding the write lock.
import { type Kysely, PostgresAdapter, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`
    create or replace function praxis_claim(
      p_claim text, p_queue text, p_token text, p_now bigint, p_locked_until bigint, p_limit integer, p_window integer, p_cap integer)
    returns table (id text, payload text, attempts integer, ordering_key text, seq bigint)
    language plpgsql volatile as $$
    begin
      perform pg_advisory_xact_lock(hashtext('fedify_message'), hashtext(p_queue));
      return query execute p_claim using p_queue, p_token, p_now, p_locked_until, p_limit, p_window, p_cap;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`drop function if exists praxis_claim(text, text, text, bigint, bigint, integer, integer, integer)`.execute(db);
}
