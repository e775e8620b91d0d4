// Per-host delivery: each queued message records its kind (Fedify's `type`:
// fanout, outbox, inbox) and, for a delivery, the host it goes to, so that the
// queue can cap the deliveries in flight to one host and report per host; and
// a table keeps each host's last delivery outcome for `praxis queue status`.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("fedify_message").addColumn("kind", "text").execute();
  await db.schema.alterTable("fedify_message").addColumn("host", "text").execute();
  // Counting leased messages per host at each claim reads only leased rows.
  await db.schema.createIndex("fedify_message_lease_idx")
    .on("fedify_message").columns(["queue", "locked_until"]).execute();
  await db.schema.createIndex("fedify_message_host_idx")
    .on("fedify_message").columns(["queue", "host", "available_at"]).execute();

  // Messages queued before this migration: fill in kind and host.
  let after = "";
  for (;;) {
    const rows = await db.selectFrom("fedify_message").select(["id", "payload"])
      .where("id", ">", after).orderBy("id").limit(500).execute() as { id: string; payload: string }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const { kind, host } = describe(row.payload);
      if (kind !== null) await db.updateTable("fedify_message").set({ kind, host }).where("id", "=", row.id).execute();
    }
    after = rows[rows.length - 1].id;
  }

  await db.schema
    .createTable("delivery_hosts")
    .addColumn("host", "text", (c) => c.primaryKey())
    // Epoch ms, as in fedify_message.
    .addColumn("last_success_at", "bigint")
    .addColumn("last_failure_at", "bigint")
    // HTTP status of the last failure, null for a network error or timeout.
    .addColumn("last_status", "integer")
    .addColumn("last_error", "text")
    // Failures since the last success.
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("delivery_hosts").execute();
  await db.schema.dropIndex("fedify_message_host_idx").execute();
  await db.schema.dropIndex("fedify_message_lease_idx").execute();
  await db.schema.alterTable("fedify_message").dropColumn("host").execute();
  await db.schema.alterTable("fedify_message").dropColumn("kind").execute();
}

function describe(payload: string): { kind: string | null; host: string | null } {
  try {
    const message = JSON.parse(payload) as { type?: unknown; inbox?: unknown };
    const kind = typeof message.type === "string" ? message.type : null;
    const host = kind === "outbox" && typeof message.inbox === "string" ? new URL(message.inbox).host : null;
    return { kind, host };
  } catch {
    return { kind: null, host: null };
  }
}
