// What the queue writes when a message is enqueued: its row (kind, host,
// place in order) and the batched INSERT of the messages one turn of the
// event loop enqueued, with the NOTIFY that wakes listeners elsewhere.
import { randomUUID } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { Dialect } from "./database.ts";
import { type Lane, laneOf } from "./queue-claim.ts";
import { notifyPayload, QUEUE_CHANNEL } from "./queue-wake.ts";
import type { Database } from "./schema.ts";

/** Rows per statement, well within both dialects' bound-parameter limits. */
export const CHUNK_SIZE = 1000;

/** A message waiting to be written by the enqueue batch. */
export interface PendingMessage {
  payload: string;
  kind: string | null;
  host: string | null;
  orderingKey: string | null;
  availableAt: number;
  createdAt: number;
  /** The seq of the message its own handler re-enqueues, else null (a new place). */
  inheritedSeq: number | null;
}

/** What the queue records of a message besides its payload. */
export function describeMessage(message: unknown): { kind: string | null; host: string | null } {
  if (typeof message !== "object" || message === null) return { kind: null, host: null };
  const m = message as { type?: unknown; inbox?: unknown };
  const kind = typeof m.type === "string" ? m.type : null;
  let host: string | null = null;
  if (kind === "outbox" && typeof m.inbox === "string") {
    try {
      host = new URL(m.inbox).host;
    } catch {
      host = null;
    }
  }
  return { kind, host };
}

/** `message` as stored; throws for what JSON cannot hold. */
export function serialize(message: unknown): string {
  const json = JSON.stringify(message);
  if (json === undefined) throw new TypeError("A queued message must be JSON-serialisable");
  return json;
}

/** A message to write: its payload, kind, host and times, `delayMs` from now. */
export function pendingMessage(message: unknown, orderingKey: string | null, now: number, delayMs: number, inheritedSeq: number | null): PendingMessage {
  const { kind, host } = describeMessage(message);
  return { payload: serialize(message), kind, host, orderingKey, availableAt: now + delayMs, createdAt: now, inheritedSeq };
}

/**
 * Writes one batch of enqueued messages of `queue`, in order, and tells
 * listeners in other processes (PostgreSQL's NOTIFY, heard at commit).
 * Returns the lanes of the messages, for this process's own listeners.
 */
export async function insertMessages(db: Kysely<Database>, dialect: Dialect, queue: string, messages: PendingMessage[]): Promise<Set<Lane>> {
  const lanes = new Set(messages.map((m) => laneOf(m.kind)));
  // What the NOTIFY tells listeners in other processes: this queue, and the lanes of its messages.
  const payload = notifyPayload(queue, lanes);
  if (dialect === "postgres" && messages.length <= CHUNK_SIZE) {
    // One statement, one round trip (no BEGIN and COMMIT around it): the
    // insert, and the NOTIFY that listeners in other processes hear at its
    // commit. A data-modifying WITH runs whole whatever the outer query reads.
    await db.with("inserted", (d) => d.insertInto("fedify_message").values(rowsOf(dialect, queue, messages)).returning("id"))
      .selectFrom("inserted").select(sql`pg_notify(${QUEUE_CHANNEL}, ${payload})`.as("notified")).limit(1)
      .execute();
  } else {
    // In chunks: each INSERT within the parameter limits. On PostgreSQL in
    // one transaction, with the NOTIFY heard at its commit; on SQLite each
    // INSERT is atomic on its own (a transaction held open across awaits
    // would stall the process's other connections, as better-sqlite3 waits
    // for a lock by blocking the thread).
    const insertChunks = async (d: Kysely<Database>) => {
      for (let start = 0; start < messages.length; start += CHUNK_SIZE) {
        await d.insertInto("fedify_message").values(rowsOf(dialect, queue, messages.slice(start, start + CHUNK_SIZE))).execute();
      }
    };
    if (dialect === "postgres") {
      await db.transaction().execute(async (tx) => {
        await insertChunks(tx);
        await sql`select pg_notify(${QUEUE_CHANNEL}, ${payload})`.execute(tx);
      });
    } else {
      await insertChunks(db);
    }
  }
  return lanes;
}

/**
 * The rows of a chunk of messages, numbered in order: on SQLite from the
 * table's MAX(seq), on PostgreSQL by its sequence (an index scan per row
 * there, through the dead entries a churned queue leaves at the index's end).
 */
function rowsOf(dialect: Dialect, queue: string, messages: PendingMessage[]) {
  const postgres = dialect === "postgres";
  return messages.map((m, i) => ({
    id: randomUUID(),
    queue,
    payload: m.payload,
    kind: m.kind,
    host: m.host,
    ordering_key: m.orderingKey,
    available_at: m.availableAt,
    created_at: m.createdAt,
    // SQLite: the statement's own snapshot of MAX(seq), read before any row is inserted.
    seq: m.inheritedSeq ?? (postgres ? sql<number>`nextval('praxis_message_seq')` : sql<number>`(select coalesce(max(seq), 0) from fedify_message) + ${i + 1}`),
  }));
}
